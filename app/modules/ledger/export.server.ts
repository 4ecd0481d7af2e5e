// Open data: the public projection of the ledger as JSON lines or CSV, streamed in
// id order in batches. Format documented in public/open-data.md; no personal data.
// One pager and one row mapper per dataset serve the whole export and the filtered one.
import { expressionBuilder, sql, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely'
import type { Database } from '../../../db/schema'
import type {
  LedgerAccountsTable,
  LedgerDonationsTable,
  LedgerLotsTable,
  LedgerTracesTable,
  LedgerTransactionsTable,
  LedgerTransfersTable,
} from '../../../db/tables/ledger'
import { disclosuresOf, type Disclosures } from './disclosures.server'
import type { CommittedKey } from './hash.server'

export const EXPORT_DATASETS = ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces'] as const
export type ExportDataset = (typeof EXPORT_DATASETS)[number]
export type ExportFormat = 'jsonl' | 'csv'
export type ExportRow = Record<string, string | null | Record<string, string> | Record<string, Disclosed>>
type Disclosed = { value: string; salt: string }
/** Narrow an export to the transactions touching one fund and/or a range of ISO instants (inclusive). */
export type ExportFilter = { fund?: string; from?: string; to?: string }
/** A committed value that must not be published now (a withheld student's code): its disclosure is left out. */
export type Withhold = (key: CommittedKey, value: string) => boolean
type Row = ExportRow
type Db = Kysely<Database>

/** The documented columns of each dataset, in order (public/open-data.md). */
export const EXPORT_COLUMNS: Record<ExportDataset, string[]> = {
  accounts: ['code', 'kind', 'name'],
  transactions: ['sequence', 'kind', 'occurred_at', 'refs', 'prev_hash', 'hash', 'version', 'disclosed'],
  transfers: ['sequence', 'position', 'from', 'to', 'amount', 'currency'],
  donations: ['donation', 'display_name', 'fund', 'amount', 'fee', 'net', 'currency', 'paid_at', 'sequence', 'team'],
  lots: ['lot', 'sequence', 'donation', 'fund', 'currency', 'amount', 'paid_at', 'source_trace'],
  traces: ['trace', 'sequence', 'kind', 'lot', 'donation', 'amount', 'currency', 'beneficiary', 'parent'],
}

const str = (v: number | null) => (v === null ? null : String(v))
type DonationRef = Pick<Selectable<LedgerDonationsTable>, 'donation_ref'>

// The six row mappers: a table row to its documented columns (the key order is the JSON order).
const accountRow = (a: Pick<Selectable<LedgerAccountsTable>, 'code' | 'kind' | 'name'>): Row => ({
  code: a.code,
  kind: a.kind,
  name: a.name,
})

/** The published disclosures of one record: withdrawn and withheld ones left out. */
function published(d: Disclosures | undefined, withhold: Withhold): Record<string, Disclosed> {
  const out: Record<string, Disclosed> = {}
  for (const [key, v] of Object.entries(d ?? {}) as [CommittedKey, Disclosed | null][])
    if (v && !withhold(key, v.value)) out[key] = { value: v.value, salt: v.salt }
  return out
}

const transactionRow = (
  t: Pick<
    Selectable<LedgerTransactionsTable>,
    'sequence' | 'kind' | 'occurred_at' | 'refs' | 'prev_hash' | 'hash' | 'version'
  >,
  disclosed: Record<string, Disclosed>,
): Row => ({
  sequence: String(t.sequence),
  kind: t.kind,
  occurred_at: t.occurred_at,
  refs: JSON.parse(t.refs) as Record<string, string>,
  prev_hash: t.prev_hash,
  hash: t.hash,
  version: String(t.version),
  disclosed,
})

const transferRow = (t: Selectable<LedgerTransfersTable>): Row => ({
  sequence: String(t.sequence),
  position: String(t.position),
  from: t.from_account,
  to: t.to_account,
  amount: String(t.amount),
  currency: t.currency,
})

/**
 * display_name: refs.donor in version 1; in version 2 its published value, or null once withdrawn.
 * team: refs.team of its transaction (the team page it was given through), or null.
 */
const donationRow = (
  d: Selectable<LedgerDonationsTable> & { refs: string },
  disclosed: Disclosures | undefined,
): Row => ({
  donation: d.donation_ref,
  display_name: disclosed ? (disclosed.donor?.value ?? null) : d.display_name,
  fund: d.fund,
  amount: String(d.gross),
  fee: String(d.fee),
  net: String(d.gross - d.fee),
  currency: d.currency,
  paid_at: d.paid_at,
  sequence: String(d.sequence),
  team: (JSON.parse(d.refs) as Record<string, string>).team ?? null,
})

const lotRow = (
  l: Pick<
    Selectable<LedgerLotsTable>,
    'id' | 'sequence' | 'fund' | 'currency' | 'amount' | 'paid_at' | 'source_trace_id'
  > &
    DonationRef,
): Row => ({
  lot: String(l.id),
  sequence: String(l.sequence),
  donation: l.donation_ref,
  fund: l.fund,
  currency: l.currency,
  amount: String(l.amount),
  paid_at: l.paid_at,
  source_trace: str(l.source_trace_id),
})

const traceRow = (
  t: Pick<
    Selectable<LedgerTracesTable>,
    'id' | 'sequence' | 'kind' | 'lot_id' | 'amount' | 'currency' | 'beneficiary_code' | 'parent_id'
  > &
    DonationRef,
): Row => ({
  trace: String(t.id),
  sequence: String(t.sequence),
  kind: t.kind,
  lot: String(t.lot_id),
  donation: t.donation_ref,
  amount: String(t.amount),
  currency: t.currency,
  beneficiary: t.beneficiary_code,
  parent: str(t.parent_id),
})

/**
 * Conditions on a transaction sequence column: the transaction touches the filter's fund
 * and happened in its range. Correlated EXISTS, so each page stops after `limit` matches.
 */
function txScope(db: Db, f: ExportFilter, column: 'x.sequence' | 't.sequence'): Expression<SqlBool>[] {
  const eb = expressionBuilder<Database, never>()
  const sequence = sql.ref<number>(column)
  const out: Expression<SqlBool>[] = []
  const fund = f.fund
  if (fund)
    out.push(
      eb.exists(
        db
          .selectFrom('ledger_transfers as ff')
          .select('ff.sequence')
          .where('ff.sequence', '=', sequence)
          .where((e) => e.or([e('ff.from_account', '=', fund), e('ff.to_account', '=', fund)])),
      ),
    )
  if (f.from || f.to) {
    let tx = db.selectFrom('ledger_transactions as tx').select('tx.sequence').where('tx.sequence', '=', sequence)
    if (f.from) tx = tx.where('tx.occurred_at', '>=', f.from)
    if (f.to) tx = tx.where('tx.occurred_at', '<=', f.to)
    out.push(eb.exists(tx))
  }
  return out
}

/** One batch of rows after `cursor` (keyset pagination on the dataset's id). */
async function page(
  db: Db,
  dataset: ExportDataset,
  f: ExportFilter,
  cursor: number,
  limit: number,
  withhold: Withhold,
): Promise<{ rows: Row[]; next: number }> {
  switch (dataset) {
    case 'accounts': {
      // Account names are not filtered: every filtered file can be read against the whole list.
      const r = await db
        .selectFrom('ledger_accounts')
        .select(['id', 'code', 'kind', 'name'])
        .where('id', '>', cursor)
        .orderBy('id')
        .limit(limit)
        .execute()
      return { rows: r.map(accountRow), next: r.at(-1)?.id ?? cursor }
    }
    case 'transactions': {
      let q = db
        .selectFrom('ledger_transactions as x')
        .select(['x.sequence', 'x.kind', 'x.occurred_at', 'x.refs', 'x.prev_hash', 'x.hash', 'x.version'])
        .where('x.sequence', '>', cursor)
      for (const c of txScope(db, f, 'x.sequence')) q = q.where(c)
      const r = await q.orderBy('x.sequence').limit(limit).execute()
      const d = await disclosuresOf(
        db,
        r.filter((x) => x.version === 2).map((x) => x.sequence),
      )
      return {
        rows: r.map((x) => transactionRow(x, published(d.get(x.sequence), withhold))),
        next: r.at(-1)?.sequence ?? cursor,
      }
    }
    case 'transfers': {
      let q = db.selectFrom('ledger_transfers as t').selectAll('t').where('t.id', '>', cursor)
      for (const c of txScope(db, f, 't.sequence')) q = q.where(c)
      const r = await q.orderBy('t.id').limit(limit).execute()
      return { rows: r.map(transferRow), next: r.at(-1)?.id ?? cursor }
    }
    case 'donations': {
      let q = db
        .selectFrom('ledger_donations as d')
        .innerJoin('ledger_transactions as x', 'x.sequence', 'd.sequence')
        .selectAll('d')
        .select('x.refs')
        .where('d.id', '>', cursor)
      if (f.fund) q = q.where('d.fund', '=', f.fund)
      if (f.from) q = q.where('d.paid_at', '>=', f.from)
      if (f.to) q = q.where('d.paid_at', '<=', f.to)
      const r = await q.orderBy('d.id').limit(limit).execute()
      const d = await disclosuresOf(
        db,
        r.map((x) => x.sequence),
      )
      return { rows: r.map((x) => donationRow(x, d.get(x.sequence))), next: r.at(-1)?.id ?? cursor }
    }
    case 'lots': {
      let q = db
        .selectFrom('ledger_lots as l')
        .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
        .select([
          'l.id',
          'l.sequence',
          'd.donation_ref',
          'l.fund',
          'l.currency',
          'l.amount',
          'l.paid_at',
          'l.source_trace_id',
        ])
        .where('l.id', '>', cursor)
      if (f.fund) q = q.where('l.fund', '=', f.fund)
      if (f.from) q = q.where('l.paid_at', '>=', f.from)
      if (f.to) q = q.where('l.paid_at', '<=', f.to)
      const r = await q.orderBy('l.id').limit(limit).execute()
      return { rows: r.map(lotRow), next: r.at(-1)?.id ?? cursor }
    }
    case 'traces': {
      let q = db
        .selectFrom('ledger_traces as t')
        .innerJoin('ledger_lots as l', 'l.id', 't.lot_id')
        .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
        .select([
          't.id',
          't.sequence',
          't.kind',
          't.lot_id',
          'd.donation_ref',
          't.amount',
          't.currency',
          't.beneficiary_code',
          't.parent_id',
        ])
        .where('t.id', '>', cursor)
      if (f.fund) q = q.where('l.fund', '=', f.fund)
      for (const c of txScope(db, f, 't.sequence')) q = q.where(c)
      const r = await q.orderBy('t.id').limit(limit).execute()
      return { rows: r.map(traceRow), next: r.at(-1)?.id ?? cursor }
    }
  }
}

/**
 * RFC 4180 field: quoted when it holds a comma, quote or line break. A text a spreadsheet
 * would run as a formula (it starts with = + - @, a tab or CR and is not a whole number)
 * gets a leading ' (public/open-data.md, "Files"); JSON lines carry the text unchanged.
 */
export function csvField(v: Row[string] | undefined): string {
  if (v === null || v === undefined) return ''
  let s = typeof v === 'string' ? v : JSON.stringify(v)
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+$/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/**
 * Lines of one dataset from a keyset pager. JSON lines end in LF; CSV records end in
 * CRLF as RFC 4180 says, header first. The one formatter for every export, whole or filtered.
 */
async function* exportLinesFrom(
  dataset: ExportDataset,
  format: ExportFormat,
  pager: (cursor: number) => Promise<{ rows: Row[]; next: number }>,
): AsyncGenerator<string> {
  const columns = EXPORT_COLUMNS[dataset]
  if (format === 'csv') yield `${columns.join(',')}\r\n`
  let cursor = 0
  for (;;) {
    const { rows, next } = await pager(cursor)
    if (!rows.length) return
    let chunk = ''
    for (const row of rows)
      chunk += format === 'csv' ? `${columns.map((c) => csvField(row[c])).join(',')}\r\n` : `${JSON.stringify(row)}\n`
    yield chunk
    cursor = next
  }
}

/** One dataset's export: the whole ledger, or only what `filter` selects. */
export function exportDataset(
  db: Db,
  input: {
    dataset: ExportDataset
    format: ExportFormat
    filter?: ExportFilter
    batchSize?: number
    withhold?: Withhold
  },
): AsyncGenerator<string> {
  const filter = input.filter ?? {}
  const withhold = input.withhold ?? (() => false)
  return exportLinesFrom(input.dataset, input.format, (cursor) =>
    page(db, input.dataset, filter, cursor, input.batchSize ?? 2000, withhold),
  )
}

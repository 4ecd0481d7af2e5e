// Open data: the public projection of the ledger as JSON lines or CSV, streamed in
// id order in batches. Format documented in public/open-data.md; no personal data.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'

export const EXPORT_DATASETS = ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces'] as const
export type ExportDataset = (typeof EXPORT_DATASETS)[number]
export type ExportFormat = 'jsonl' | 'csv'
export type ExportRow = Record<string, string | null | Record<string, string>>
type Row = ExportRow

/** The documented columns of each dataset, in order (public/open-data.md). */
export const EXPORT_COLUMNS: Record<ExportDataset, string[]> = {
  accounts: ['code', 'kind', 'name'],
  transactions: ['sequence', 'kind', 'occurred_at', 'refs', 'prev_hash', 'hash'],
  transfers: ['sequence', 'position', 'from', 'to', 'amount', 'currency'],
  donations: ['donation', 'display_name', 'fund', 'amount', 'fee', 'net', 'currency', 'paid_at', 'sequence'],
  lots: ['lot', 'sequence', 'donation', 'fund', 'currency', 'amount', 'paid_at', 'source_trace'],
  traces: ['trace', 'sequence', 'kind', 'lot', 'donation', 'amount', 'currency', 'beneficiary', 'parent'],
}

const str = (v: number | null) => (v === null ? null : String(v))

/** One batch of rows after `cursor` (keyset pagination on the dataset's id). */
async function page(
  db: Kysely<Database>,
  dataset: ExportDataset,
  cursor: number,
  limit: number,
): Promise<{ rows: Row[]; next: number }> {
  switch (dataset) {
    case 'accounts': {
      const r = await db
        .selectFrom('ledger_accounts')
        .select(['id', 'code', 'kind', 'name'])
        .where('id', '>', cursor)
        .orderBy('id')
        .limit(limit)
        .execute()
      return { rows: r.map((a) => ({ code: a.code, kind: a.kind, name: a.name })), next: r.at(-1)?.id ?? cursor }
    }
    case 'transactions': {
      const r = await db
        .selectFrom('ledger_transactions')
        .select(['sequence', 'kind', 'occurred_at', 'refs', 'prev_hash', 'hash'])
        .where('sequence', '>', cursor)
        .orderBy('sequence')
        .limit(limit)
        .execute()
      return {
        rows: r.map((t) => ({ ...t, sequence: String(t.sequence), refs: JSON.parse(t.refs) })),
        next: r.at(-1)?.sequence ?? cursor,
      }
    }
    case 'transfers': {
      const r = await db
        .selectFrom('ledger_transfers')
        .selectAll()
        .where('id', '>', cursor)
        .orderBy('id')
        .limit(limit)
        .execute()
      return {
        rows: r.map((t) => ({
          sequence: String(t.sequence),
          position: String(t.position),
          from: t.from_account,
          to: t.to_account,
          amount: String(t.amount),
          currency: t.currency,
        })),
        next: r.at(-1)?.id ?? cursor,
      }
    }
    case 'donations': {
      const r = await db
        .selectFrom('ledger_donations')
        .selectAll()
        .where('id', '>', cursor)
        .orderBy('id')
        .limit(limit)
        .execute()
      return {
        rows: r.map((d) => ({
          donation: d.donation_ref,
          display_name: d.display_name,
          fund: d.fund,
          amount: String(d.gross),
          fee: String(d.fee),
          net: String(d.gross - d.fee),
          currency: d.currency,
          paid_at: d.paid_at,
          sequence: String(d.sequence),
        })),
        next: r.at(-1)?.id ?? cursor,
      }
    }
    case 'lots': {
      const r = await db
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
        .orderBy('l.id')
        .limit(limit)
        .execute()
      return {
        rows: r.map((l) => ({
          lot: String(l.id),
          sequence: String(l.sequence),
          donation: l.donation_ref,
          fund: l.fund,
          currency: l.currency,
          amount: String(l.amount),
          paid_at: l.paid_at,
          source_trace: str(l.source_trace_id),
        })),
        next: r.at(-1)?.id ?? cursor,
      }
    }
    case 'traces': {
      const r = await db
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
        .orderBy('t.id')
        .limit(limit)
        .execute()
      return {
        rows: r.map((t) => ({
          trace: String(t.id),
          sequence: String(t.sequence),
          kind: t.kind,
          lot: String(t.lot_id),
          donation: t.donation_ref,
          amount: String(t.amount),
          currency: t.currency,
          beneficiary: t.beneficiary_code,
          parent: str(t.parent_id),
        })),
        next: r.at(-1)?.id ?? cursor,
      }
    }
  }
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: Row[string] | undefined): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/**
 * Lines of one dataset from a keyset pager, each ending in "\n"; CSV starts with its
 * header line. The one formatter for every export, whole or filtered.
 */
export async function* exportLinesFrom(
  dataset: ExportDataset,
  format: ExportFormat,
  pager: (cursor: number) => Promise<{ rows: Row[]; next: number }>,
): AsyncGenerator<string> {
  const columns = EXPORT_COLUMNS[dataset]
  if (format === 'csv') yield `${columns.join(',')}\n`
  let cursor = 0
  for (;;) {
    const { rows, next } = await pager(cursor)
    if (!rows.length) return
    let chunk = ''
    for (const row of rows)
      chunk += format === 'csv' ? `${columns.map((c) => csvField(row[c])).join(',')}\n` : `${JSON.stringify(row)}\n`
    yield chunk
    cursor = next
  }
}

/** The whole ledger's export of one dataset. */
export function exportDataset(
  db: Kysely<Database>,
  input: { dataset: ExportDataset; format: ExportFormat; batchSize?: number },
): AsyncGenerator<string> {
  return exportLinesFrom(input.dataset, input.format, (cursor) =>
    page(db, input.dataset, cursor, input.batchSize ?? 2000),
  )
}

// Open data: the public projection of the ledger as JSON lines or CSV, streamed in
// id order in batches. Format documented in public/open-data.md; no personal data.
// One pager and one row mapper per dataset serve the whole export and the filtered one.
// Rows are read as arrays (readRows: no object per row, no query building), because the
// whole export is millions of rows and is meant to cost little more than reading them.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { readRows } from '../../utils/db.server'
import type { CommittedKey } from './hash.server'

export const EXPORT_DATASETS = ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces'] as const
export type ExportDataset = (typeof EXPORT_DATASETS)[number]
export type ExportFormat = 'jsonl' | 'csv'
type Disclosed = { value: string; salt: string }
/** One exported value: text, an integer (written in decimal), null, or an object (JSON). */
type Cell = string | number | null | Record<string, string> | Record<string, Disclosed>
/** Narrow an export to the transactions touching one fund and/or a range of ISO instants (inclusive). */
export type ExportFilter = { fund?: string; from?: string; to?: string }
/** A committed value that must not be published now (a withheld student's code): its disclosure is left out. */
export type Withhold = (key: CommittedKey, value: string) => boolean
type Db = Kysely<Database>
type Raw = unknown[]

/** The documented columns of each dataset, in order (public/open-data.md). */
export const EXPORT_COLUMNS: Record<ExportDataset, string[]> = {
  accounts: ['code', 'kind', 'name'],
  transactions: ['sequence', 'kind', 'occurred_at', 'refs', 'prev_hash', 'hash', 'version', 'disclosed'],
  transfers: ['sequence', 'position', 'from', 'to', 'amount', 'currency'],
  donations: ['donation', 'display_name', 'fund', 'amount', 'fee', 'net', 'currency', 'paid_at', 'sequence', 'team'],
  lots: ['lot', 'sequence', 'donation', 'fund', 'currency', 'amount', 'paid_at', 'source_trace'],
  traces: ['trace', 'sequence', 'kind', 'lot', 'donation', 'amount', 'currency', 'beneficiary', 'parent'],
}

/** A condition on the transaction of `column`, as SQL with its parameters. */
type Scope = { sql: string; params: unknown[] }

/**
 * Conditions on a transaction sequence column: the transaction touches the filter's fund
 * and happened in its range. Correlated EXISTS, so each page stops after `limit` matches.
 */
function txScope(f: ExportFilter, column: string): Scope {
  const s = scope()
  if (f.fund)
    s.add(
      `exists (select 1 from ledger_transfers ff where ff.sequence = ${column} and (ff.from_account = ? or ff.to_account = ?))`,
      f.fund,
      f.fund,
    )
  if (f.from || f.to) {
    const time = ownScope({ from: f.from, to: f.to }, '', 'tx.occurred_at').sql
    s.add(`exists (select 1 from ledger_transactions tx where tx.sequence = ${column}${time})`, f.from, f.to)
  }
  return s.done()
}

/** Conditions on a dataset's own fund and time columns (donations, lots). */
function ownScope(f: ExportFilter, fund: string, at: string): Scope {
  const s = scope()
  if (f.fund) s.add(`${fund} = ?`, f.fund)
  if (f.from) s.add(`${at} >= ?`, f.from)
  if (f.to) s.add(`${at} <= ?`, f.to)
  return s.done()
}

/** Terms joined with "and", each with its parameters (undefined ones left out). */
function scope() {
  const terms: string[] = []
  const params: unknown[] = []
  return {
    add(text: string, ...values: unknown[]) {
      terms.push(text)
      params.push(...values.filter((v) => v !== undefined))
    },
    done: (): Scope => ({ sql: terms.map((t) => ` and ${t}`).join(''), params }),
  }
}

/**
 * Each dataset: its query (the first column is the keyset cursor; `?` after it is the
 * cursor, the scope's parameters follow, the limit last) and its row mapper, raw row →
 * the documented columns in order.
 */
type Pager = { query: (f: ExportFilter) => Scope; row: (r: Raw, withhold: Withhold) => Cell[] }

/** The published disclosures of one record: withdrawn and withheld ones left out. */
function published(r: Raw, at: number, withhold: Withhold): Record<string, Disclosed> {
  const out: Record<string, Disclosed> = {}
  // beneficiary, then donor: the order of the keys as stored (ledger_disclosures' key order).
  for (const [i, key] of [
    [at, 'beneficiary'],
    [at + 2, 'donor'],
  ] as const) {
    const value = r[i] as string | null
    const salt = r[i + 1] as string | null
    if (value !== null && salt !== null && !withhold(key, value)) out[key] = { value, salt }
  }
  return out
}

const PAGERS: Record<ExportDataset, Pager> = {
  // Account names are not filtered: every filtered file can be read against the whole list.
  accounts: {
    query: () => ({ sql: 'select id, code, kind, name from ledger_accounts where id > ?', params: [] }),
    row: (r) => [r[1] as string, r[2] as string, r[3] as string],
  },
  transactions: {
    query: (f) => {
      const s = txScope(f, 'x.sequence')
      return {
        sql: `select x.sequence, x.kind, x.occurred_at, x.refs, x.prev_hash, x.hash, x.version,
            b.value as b_value, b.salt as b_salt, n.value as n_value, n.salt as n_salt
          from ledger_transactions x
          left join ledger_disclosures b on x.version = 2 and b.sequence = x.sequence and b.key = 'beneficiary'
          left join ledger_disclosures n on x.version = 2 and n.sequence = x.sequence and n.key = 'donor'
          where x.sequence > ?${s.sql}`,
        params: s.params,
      }
    },
    // refs as stored: canonical JSON (verifyLedger checks it), parsed only for JSON lines.
    row: (r, withhold) => [
      r[0] as number,
      r[1] as string,
      r[2] as string,
      r[3] as string,
      r[4] as string,
      r[5] as string,
      r[6] as number,
      published(r, 7, withhold),
    ],
  },
  transfers: {
    query: (f) => {
      const s = txScope(f, 't.sequence')
      return {
        sql: `select t.id, t.sequence, t.position, t.from_account, t.to_account, t.amount, t.currency
          from ledger_transfers t where t.id > ?${s.sql}`,
        params: s.params,
      }
    },
    row: (r) => [r[1] as number, r[2] as number, r[3] as string, r[4] as string, r[5] as number, r[6] as string],
  },
  donations: {
    query: (f) => {
      const s = ownScope(f, 'd.fund', 'd.paid_at')
      return {
        sql: `select d.id, d.donation_ref, d.display_name, d.fund, d.gross, d.fee, d.currency, d.paid_at, d.sequence,
            n.sequence as n_sequence, n.value as n_value, x.refs
          from ledger_donations d
          join ledger_transactions x on x.sequence = d.sequence
          left join ledger_disclosures n on n.sequence = d.sequence and n.key = 'donor'
          where d.id > ?${s.sql}`,
        params: s.params,
      }
    },
    // display_name: refs.donor in version 1; in version 2 its published value, or null once withdrawn.
    // team: refs.team of its transaction (the team page it was given through), or null.
    row: (r) => [
      r[1] as string,
      r[9] === null ? (r[2] as string) : (r[10] as string | null),
      r[3] as string,
      r[4] as number,
      r[5] as number,
      (r[4] as number) - (r[5] as number),
      r[6] as string,
      r[7] as string,
      r[8] as number,
      teamOf(r[11] as string),
    ],
  },
  lots: {
    query: (f) => {
      const s = ownScope(f, 'l.fund', 'l.paid_at')
      return {
        sql: `select l.id, l.sequence, d.donation_ref, l.fund, l.currency, l.amount, l.paid_at, l.source_trace_id
          from ledger_lots l join ledger_donations d on d.id = l.donation_id where l.id > ?${s.sql}`,
        params: s.params,
      }
    },
    row: (r) => [
      r[0] as number,
      r[1] as number,
      r[2] as string,
      r[3] as string,
      r[4] as string,
      r[5] as number,
      r[6] as string,
      r[7] as number | null,
    ],
  },
  traces: {
    query: (f) => {
      const s = txScope(f, 't.sequence')
      const fund = f.fund ? ' and l.fund = ?' : ''
      return {
        sql: `select t.id, t.sequence, t.kind, t.lot_id, d.donation_ref, t.amount, t.currency, t.beneficiary_code, t.parent_id
          from ledger_traces t join ledger_lots l on l.id = t.lot_id join ledger_donations d on d.id = l.donation_id
          where t.id > ?${fund}${s.sql}`,
        params: [...(f.fund ? [f.fund] : []), ...s.params],
      }
    },
    row: (r) => r.slice(0, 9) as Cell[],
  },
}

/** refs.team, parsed only when the stored JSON names a team (most gifts do not). */
const teamOf = (refs: string): string | null =>
  refs.includes('"team"') ? ((JSON.parse(refs) as Record<string, string>).team ?? null) : null

const FORMULA = /^[=+\-@\t\r]/
const WHOLE = /^-?\d+$/
const QUOTE = /[",\r\n]/

/**
 * RFC 4180 field: quoted when it holds a comma, quote or line break. A text a spreadsheet
 * would run as a formula (it starts with = + - @, a tab or CR and is not a whole number)
 * gets a leading ' (public/open-data.md, "Files"); JSON lines carry the text unchanged.
 */
export function csvField(v: Cell | undefined): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') return String(v)
  let s = typeof v === 'string' ? v : JSON.stringify(v)
  if (FORMULA.test(s) && !WHOLE.test(s)) s = `'${s}`
  return QUOTE.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** One JSON line: every scalar a string (public/open-data.md); refs parsed from their stored JSON. */
function jsonLine(columns: string[], cells: Cell[]): string {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!
    const v = cells[i]
    out[c] = typeof v === 'number' ? String(v) : c === 'refs' ? JSON.parse(v as string) : v
  }
  return `${JSON.stringify(out)}\n`
}

/**
 * One dataset's export: the whole ledger, or only what `filter` selects. JSON lines end in
 * LF; CSV records end in CRLF as RFC 4180 says, header first.
 */
export async function* exportDataset(
  db: Db,
  input: {
    dataset: ExportDataset
    format: ExportFormat
    filter?: ExportFilter
    batchSize?: number
    withhold?: Withhold
  },
): AsyncGenerator<string> {
  const columns = EXPORT_COLUMNS[input.dataset]
  const pager = PAGERS[input.dataset]
  const withhold = input.withhold ?? (() => false)
  // 250 rows a page: with 1,000, enough garbage outlived a young-generation collection while
  // the writer waited for the socket that the server peaked 45 MB higher (tests/bench).
  const limit = input.batchSize ?? 250
  const q = pager.query(input.filter ?? {})
  const text = `${q.sql} order by 1 limit ?`
  const csv = input.format === 'csv'
  if (csv) yield `${columns.join(',')}\r\n`
  let cursor = 0
  for (;;) {
    const rows = await readRows(db, text, [cursor, ...q.params, limit])
    if (!rows.length) return
    let chunk = ''
    for (const r of rows) {
      const cells = pager.row(r, withhold)
      if (!csv) {
        chunk += jsonLine(columns, cells)
        continue
      }
      let line = csvField(cells[0])
      for (let i = 1; i < cells.length; i++) line += `,${csvField(cells[i])}`
      chunk += `${line}\r\n`
    }
    yield chunk
    cursor = rows[rows.length - 1]![0] as number
  }
}

// Where the bulk generator's rows go: straight into SQLite through prepared statements, or
// into PostgreSQL as multi-row INSERTs (flushed parent tables first, so foreign keys hold).
// Both write inside transactions the caller opens and commits in large chunks.
import SQLite from 'better-sqlite3'
import pg from 'pg'

/** Columns per table, in the order parents must be written before children. */
export const COLUMNS = {
  ledger_accounts: ['code', 'kind', 'name', 'created_at'],
  beneficiaries: [
    'id',
    'public_code',
    'station_id',
    'legal_name',
    'gender',
    'birth_date',
    'national_id',
    'school',
    'grade',
    'categories',
    'guardian_name',
    'guardian_phone',
    'status',
    'created_at',
  ],
  beneficiary_consents: [
    'id',
    'beneficiary_id',
    'guardian_name',
    'relationship',
    'consented_on',
    'public_story',
    'photo',
    'first_name_to_sponsor',
    'recorded_at',
  ],
  ledger_transactions: [
    'sequence',
    'idempotency_key',
    'kind',
    'occurred_at',
    'recorded_at',
    'refs',
    'donation_ref',
    'corrects',
    'request_digest',
    'prev_hash',
    'hash',
  ],
  ledger_transfers: ['sequence', 'position', 'from_account', 'to_account', 'amount', 'currency'],
  ledger_donations: ['id', 'donation_ref', 'sequence', 'fund', 'gross', 'fee', 'currency', 'display_name', 'paid_at'],
  ledger_lots: ['id', 'sequence', 'donation_id', 'fund', 'currency', 'amount', 'paid_at', 'source_trace_id'],
  ledger_traces: [
    'id',
    'sequence',
    'kind',
    'lot_id',
    'amount',
    'currency',
    'beneficiary_id',
    'beneficiary_code',
    'parent_id',
  ],
  ledger_trace_balances: ['trace_id', 'beneficiary_id', 'currency', 'unpaid'],
  ledger_lot_balances: ['lot_id', 'fund', 'currency', 'paid_at', 'remaining'],
  donations: [
    'id',
    'public_id',
    'tracking_code',
    'status',
    'frequency',
    'designation',
    'campaign_id',
    'target_id',
    'fund',
    'amount',
    'currency',
    'cover_fee',
    'fee_amount',
    'refunded_amount',
    'donor_name',
    'donor_email',
    'display_mode',
    'display_name',
    'message',
    'locale',
    'provider',
    'provider_session_id',
    'provider_payment_intent_id',
    'provider_charge_id',
    'created_at',
    'paid_at',
  ],
  receipts: [
    'id',
    'number',
    'year',
    'sequence',
    'donation_id',
    'amount',
    'currency',
    'donor_name',
    'campaign_id',
    'designation',
    'paid_at',
    'verification_code',
    'issued_at',
    'replaces_receipt_id',
  ],
} as const
export type Table = keyof typeof COLUMNS
const TABLES = Object.keys(COLUMNS) as Table[]
/** Tables whose ids the generator assigns (PostgreSQL's sequences are moved past them at the end). */
export const EXPLICIT_IDS: Table[] = [
  'beneficiaries',
  'beneficiary_consents',
  'ledger_donations',
  'ledger_lots',
  'ledger_traces',
  'donations',
  'receipts',
]

type Value = string | number | null
const insertSql = (table: Table, placeholders: string) =>
  `insert into ${table} (${COLUMNS[table].join(', ')}) values ${placeholders}${table === 'ledger_accounts' ? ' on conflict do nothing' : ''}`

export interface Sink {
  readonly dialect: 'sqlite' | 'postgres'
  add(table: Table, row: Value[]): void
  /** PostgreSQL: write buffered rows once enough have gathered. SQLite writes at once. */
  flushIfFull(): Promise<void> | void
  begin(): Promise<void>
  /** Flush and commit. */
  commit(): Promise<void>
  all<T>(query: string, params?: Value[]): Promise<T[]>
  run(query: string, params?: Value[]): Promise<void>
  close(): Promise<void>
}

export function sqliteSink(file: string): Sink {
  const raw = new SQLite(file)
  // A throwaway bench build: no journal to speak of, no fsync; the result is verified afterwards.
  raw.pragma('journal_mode = DELETE')
  raw.pragma('synchronous = OFF')
  raw.pragma('cache_size = -262144')
  raw.pragma('foreign_keys = ON')
  const statements = new Map(
    TABLES.map((t) => [t, raw.prepare(insertSql(t, `(${COLUMNS[t].map(() => '?').join(', ')})`))]),
  )
  return {
    dialect: 'sqlite',
    add: (table, row) => void statements.get(table)!.run(...row),
    flushIfFull: () => undefined,
    begin: async () => void raw.exec('begin'),
    commit: async () => void raw.exec('commit'),
    all: async <T>(q: string, params: Value[] = []) => raw.prepare(q).all(...params) as T[],
    run: async (q, params = []) => {
      if (params.length) raw.prepare(q).run(...params)
      else raw.exec(q)
    },
    close: async () => void raw.close(),
  }
}

/** Callers write '?' placeholders (SQLite's); PostgreSQL numbers them. */
const numbered = (q: string) => {
  let n = 0
  return q.replace(/\?/g, () => `$${++n}`)
}

export function postgresSink(url: string, flushAt = 2000): Sink {
  const client = new pg.Client({ connectionString: url })
  const connected = client.connect()
  const buffers = new Map<Table, Value[][]>(TABLES.map((t) => [t, []]))
  let buffered = 0
  async function flush() {
    for (const table of TABLES) {
      const rows = buffers.get(table)!
      const width = COLUMNS[table].length
      // Below PostgreSQL's 65,535 bind parameters per statement.
      const perStatement = Math.floor(60_000 / width)
      for (let i = 0; i < rows.length; i += perStatement) {
        const part = rows.slice(i, i + perStatement)
        const placeholders = part
          .map((_, r) => `(${COLUMNS[table].map((__, c) => `$${r * width + c + 1}`).join(', ')})`)
          .join(', ')
        await client.query(insertSql(table, placeholders), part.flat())
      }
      rows.length = 0
    }
    buffered = 0
  }
  return {
    dialect: 'postgres',
    add: (table, row) => {
      buffers.get(table)!.push(row)
      buffered++
    },
    flushIfFull: () => (buffered >= flushAt ? flush() : undefined),
    begin: async () => {
      await connected
      await client.query('begin')
    },
    commit: async () => {
      await flush()
      await client.query('commit')
    },
    all: async <T>(q: string, params: Value[] = []) => {
      await connected
      return (await client.query(numbered(q), params)).rows as T[]
    },
    run: async (q, params = []) => {
      await connected
      await client.query(numbered(q), params)
    },
    close: async () => {
      await connected
      await client.end()
    },
  }
}

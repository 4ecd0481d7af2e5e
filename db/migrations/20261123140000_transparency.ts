import { PostgresAdapter, type Kysely } from 'kysely'

// Frozen in time: never import app code here.
// Transparency: a shared cache of dashboard aggregates (folded forward from the ledger,
// keyed by the sequence it covers, so every app process reads the same figures),
// published disclosure reports, and read indexes for the public ledger's filters.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const idType = pg ? 'bigserial' : 'integer'
  const big = pg ? 'bigint' : 'integer'
  const id = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement())

  await db.schema
    .createTable('transparency_cache')
    .addColumn('key', 'text', (c) => c.primaryKey())
    // The last ledger sequence folded into `value`, and that transaction's hash.
    .addColumn('through_sequence', big, (c) => c.notNull())
    .addColumn('head_hash', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db
    .insertInto('transparency_cache')
    .values({
      key: 'dashboard',
      through_sequence: 0,
      head_hash: '0'.repeat(64),
      value: '{}',
      updated_at: '1970-01-01T00:00:00.000Z',
    })
    .execute()

  // A disclosure report is a frozen statement of one campaign over ledger sequences (from, to].
  await db.schema
    .createTable('disclosure_reports')
    .addColumn('id', idType, id)
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('final', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('from_sequence', big, (c) => c.notNull())
    .addColumn('to_sequence', big, (c) => c.notNull())
    .addColumn('head_hash', 'text', (c) => c.notNull())
    .addColumn('figures', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('published_by', 'integer', (c) => c.references('users.id'))
    .addUniqueConstraint('disclosure_reports_number', ['campaign_id', 'number'])
    .execute()

  // The public ledger's filters: by kind, and by account (fund or campaign), newest first.
  await db.schema.createIndex('transparency_tx_kind').on('ledger_transactions').columns(['kind', 'sequence']).execute()
  await db.schema
    .createIndex('transparency_transfers_from')
    .on('ledger_transfers')
    .columns(['from_account', 'sequence'])
    .execute()
  await db.schema
    .createIndex('transparency_transfers_to')
    .on('ledger_transfers')
    .columns(['to_account', 'sequence'])
    .execute()
  await db.schema
    .createIndex('transparency_traces_code')
    .on('ledger_traces')
    .columns(['beneficiary_code', 'sequence'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of [
    'transparency_traces_code',
    'transparency_transfers_to',
    'transparency_transfers_from',
    'transparency_tx_kind',
  ]) {
    await db.schema.dropIndex(i).execute()
  }
  await db.schema.dropTable('disclosure_reports').execute()
  await db.schema.dropTable('transparency_cache').execute()
}

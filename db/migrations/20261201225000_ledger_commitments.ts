import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here.
// Record version 2 of the public ledger (public/open-data.md, "Hash chain"): a transaction
// row says which version its record was hashed in (rows written before this migration are
// version 1), and ledger_disclosures holds, beside the append-only history, the value and
// salt of each committed reference (donor display name, student code). A disclosure is
// mutable on purpose: erasure and consent withdrawal remove value and salt, the commitment
// stays in the hashed record.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const big = pg ? 'bigint' : 'integer'
  await db.schema
    .alterTable('ledger_transactions')
    .addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`version in (1, 2)`),
    )
    .execute()
  await db.schema
    .createTable('ledger_disclosures')
    .addColumn('sequence', big, (c) => c.notNull().references('ledger_transactions.sequence'))
    .addColumn('key', 'text', (c) => c.notNull().check(sql`key in ('donor', 'beneficiary')`))
    .addColumn('value', 'text')
    .addColumn('salt', 'text')
    .addColumn('withdrawn_at', 'text')
    .addPrimaryKeyConstraint('ledger_disclosures_pk', ['sequence', 'key'])
    .addCheckConstraint('ledger_disclosures_pair', sql`(value is null) = (salt is null)`)
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ledger_disclosures').execute()
  await db.schema.alterTable('ledger_transactions').dropColumn('version').execute()
}

import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Refunds asked for by staff (issue 17). One row per request: it reserves its amount from
// the moment it is written (prepared or requested), so two staff refunding the same gift
// at once can never ask the provider for more than the gift's remainder. The row's id is
// our refund number (Stripe's Idempotency-Key, Alipay's out_request_no); the provider's
// refund id, once known, ties the request to the reversal its answer or notification books.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const id = (t: any) =>
    t.addColumn('id', pg ? 'bigserial' : 'integer', (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
  await id(db.schema.createTable('refund_requests'))
    .addColumn('donation_id', 'integer', (c: any) => c.notNull().references('donations.id'))
    .addColumn('amount', 'integer', (c: any) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c: any) => c.notNull())
    .addColumn('reason', 'text', (c: any) => c.notNull())
    .addColumn('bank_reference', 'text')
    .addColumn('status', 'text', (c: any) =>
      c.notNull().check(sql`status in ('prepared', 'requested', 'succeeded', 'failed', 'rejected')`),
    )
    .addColumn('refund_number', 'text', (c: any) => c.notNull().unique())
    .addColumn('provider_refund_id', 'text', (c: any) => c.unique())
    .addColumn('failure', 'text')
    .addColumn('prepared_by', 'integer', (c: any) => c.notNull().references('users.id'))
    .addColumn('prepared_at', 'text', (c: any) => c.notNull())
    .addColumn('approved_by', 'integer', (c: any) => c.references('users.id'))
    .addColumn('approved_at', 'text')
    .addColumn('rejected_by', 'integer', (c: any) => c.references('users.id'))
    .addColumn('rejected_at', 'text')
    .addColumn('completed_at', 'text')
    // Maker-checker in the schema too: nobody approves their own refund.
    .addCheckConstraint('refund_requests_checker', sql`approved_by is null or approved_by <> prepared_by`)
    .execute()
  await db.schema
    .createIndex('refund_requests_donation')
    .on('refund_requests')
    .columns(['donation_id', 'status'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('refund_requests').execute()
}

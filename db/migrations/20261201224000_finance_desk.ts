import { PostgresAdapter, sql, type Kysely } from 'kysely'

// The finance desk (issue 17): indexes for the donation desk at a million gifts, and the
// monthly close (an accounting batch for a China-time month, frozen once exported).
//  - donations_name: the search's name prefix. SQLite's LIKE is case-insensitive, so its
//    index must be NOCASE for LIKE to use it; PostgreSQL's LIKE needs text_pattern_ops.
//  - donations_campaign_paid_sums replaces donations_campaign_paid: a campaign's month is
//    read from the index alone, totals included (currency and amounts ride along).
//  - donations_currency_sums: the unfiltered list's totals per currency from the index alone.
//  - donations_paid and donation_reversals_occurred: the finance page's periods.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  if (pg) await sql`create index donations_name on donations (donor_name text_pattern_ops)`.execute(db)
  else await sql`create index donations_name on donations (donor_name collate nocase)`.execute(db)
  await db.schema.dropIndex('donations_campaign_paid').execute()
  await db.schema
    .createIndex('donations_campaign_paid_sums')
    .on('donations')
    .columns(['campaign_id', 'paid_at', 'currency', 'amount', 'fee_amount', 'refunded_amount'])
    .execute()
  await db.schema
    .createIndex('donations_currency_sums')
    .on('donations')
    .columns(['currency', 'amount', 'fee_amount', 'refunded_amount'])
    .execute()
  await db.schema.createIndex('donations_paid').on('donations').column('paid_at').execute()
  await db.schema
    .createIndex('donation_reversals_occurred')
    .on('donation_reversals')
    .columns(['occurred_at', 'kind'])
    .execute()

  await db.schema
    .createTable('finance_closes')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    // A China-time month, YYYY-MM: one close per month.
    .addColumn('month', 'text', (c) => c.notNull().unique())
    // What the accountant should receive: gifts paid in the month, and their totals per currency (JSON).
    .addColumn('expected_count', 'integer', (c) => c.notNull().check(sql`expected_count >= 0`))
    .addColumn('expected_totals', 'text', (c) => c.notNull())
    .addColumn('prepared_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('prepared_at', 'text', (c) => c.notNull())
    // Set once, by the first export: the file handed over and the rows it holds (JSON).
    .addColumn('frozen_by', 'integer', (c) => c.references('users.id'))
    .addColumn('frozen_at', 'text')
    .addColumn('file', 'text')
    .addColumn('file_sha256', 'text')
    .addColumn('snapshot', 'text')
    .addCheckConstraint(
      'finance_closes_frozen_together',
      sql`(frozen_at is null) = (file is null) and (frozen_at is null) = (file_sha256 is null) and (frozen_at is null) = (snapshot is null) and (frozen_at is null) = (frozen_by is null)`,
    )
    .execute()
  // Frozen means frozen: the database refuses any change to an exported close, and its deletion.
  if (pg) {
    await sql`
      create function finance_closes_frozen() returns trigger language plpgsql as $$
      begin
        if old.frozen_at is not null then raise exception 'finance close % is frozen', old.month; end if;
        if tg_op = 'DELETE' then return old; end if;
        return new;
      end $$`.execute(db)
    await sql`create trigger finance_closes_frozen before update or delete on finance_closes
      for each row execute function finance_closes_frozen()`.execute(db)
  } else {
    for (const op of ['update', 'delete'])
      await sql
        .raw(
          `create trigger finance_closes_frozen_${op} before ${op} on finance_closes
           when old.frozen_at is not null
           begin select raise(abort, 'finance close is frozen'); end`,
        )
        .execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.dropTable('finance_closes').execute()
  if (pg) await sql`drop function if exists finance_closes_frozen()`.execute(db)
  await db.schema.dropIndex('donation_reversals_occurred').execute()
  await db.schema.dropIndex('donations_paid').execute()
  await db.schema.dropIndex('donations_currency_sums').execute()
  await db.schema.dropIndex('donations_campaign_paid_sums').execute()
  await db.schema.createIndex('donations_campaign_paid').on('donations').columns(['campaign_id', 'paid_at']).execute()
  await db.schema.dropIndex('donations_name').execute()
}

import { PostgresAdapter, sql, type Kysely } from 'kysely'

// The finance desk (issue 17): indexes for the donation desk at a million gifts, and the
// monthly close (an accounting batch for a China-time month, frozen once exported).
//  - donations_name: the search's name prefix. SQLite's LIKE is case-insensitive, so its
//    index must be NOCASE for LIKE to use it; PostgreSQL's LIKE needs text_pattern_ops.
//  (A campaign's month is read from donations_campaign_paid, which holds the ids too.)
//  - donations_paid and donation_reversals_occurred: the finance page's periods.
//  - donation_day_totals: count and sums of donations per China day of payment, campaign,
//    currency, method, status and frequency, kept by triggers on donations (so no writer
//    can forget it) and filled from the rows here. The desk's totals for any filter without
//    a search or an amount range add up a few thousand of these rows instead of reading up
//    to a million gifts. Unpaid gifts have day '' and gifts of no campaign campaign_id 0
//    (a unique key treats NULLs as distinct, and the upsert needs one row per key).

const KEY = ['day', 'campaign_id', 'currency', 'provider', 'status', 'frequency'] as const

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const money = pg ? 'bigint' : 'integer'
  if (pg) await sql`create index donations_name on donations (donor_name text_pattern_ops)`.execute(db)
  else await sql`create index donations_name on donations (donor_name collate nocase)`.execute(db)
  await db.schema.createIndex('donations_paid').on('donations').column('paid_at').execute()
  await db.schema
    .createIndex('donation_reversals_occurred')
    .on('donation_reversals')
    .columns(['occurred_at', 'kind'])
    .execute()

  await db.schema
    .createTable('donation_day_totals')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('frequency', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull())
    .addColumn('fee', money, (c) => c.notNull())
    .addColumn('refunded', money, (c) => c.notNull())
    .addPrimaryKeyConstraint('donation_day_totals_key', [...KEY])
    .execute()
  const day = (row: string) =>
    pg
      ? `coalesce(to_char((${row}.paid_at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD'), '')`
      : `coalesce(substr(datetime(${row}.paid_at, '+8 hours'), 1, 10), '')`
  const apply = (row: 'new' | 'old', sign: '' | '-') => `
    insert into donation_day_totals (${KEY.join(', ')}, count, amount, fee, refunded)
    values (${day(row)}, coalesce(${row}.campaign_id, 0), ${row}.currency, ${row}.provider, ${row}.status,
      ${row}.frequency, ${sign}1, ${sign}${row}.amount, ${sign}coalesce(${row}.fee_amount, 0), ${sign}${row}.refunded_amount)
    on conflict (${KEY.join(', ')}) do update set count = donation_day_totals.count + excluded.count,
      amount = donation_day_totals.amount + excluded.amount, fee = donation_day_totals.fee + excluded.fee,
      refunded = donation_day_totals.refunded + excluded.refunded`
  const watched = 'amount, fee_amount, refunded_amount, currency, paid_at, campaign_id, provider, status, frequency'
  if (pg) {
    await sql
      .raw(
        `create function donation_day_totals_apply() returns trigger language plpgsql as $$
        begin
          if tg_op in ('UPDATE', 'DELETE') then ${apply('old', '-')}; end if;
          if tg_op in ('INSERT', 'UPDATE') then ${apply('new', '')}; end if;
          return null;
        end $$`,
      )
      .execute(db)
    await sql
      .raw(
        `create trigger donations_day_totals after insert or update of ${watched} or delete on donations
         for each row execute function donation_day_totals_apply()`,
      )
      .execute(db)
  } else {
    await sql
      .raw(`create trigger donations_day_totals_insert after insert on donations begin ${apply('new', '')}; end`)
      .execute(db)
    await sql
      .raw(
        `create trigger donations_day_totals_update after update of ${watched} on donations
         begin ${apply('old', '-')}; ${apply('new', '')}; end`,
      )
      .execute(db)
    await sql
      .raw(`create trigger donations_day_totals_delete after delete on donations begin ${apply('old', '-')}; end`)
      .execute(db)
  }
  await sql
    .raw(
      `insert into donation_day_totals (${KEY.join(', ')}, count, amount, fee, refunded)
       select ${day('d')}, coalesce(d.campaign_id, 0), d.currency, d.provider, d.status, d.frequency,
         count(*), sum(d.amount), sum(coalesce(d.fee_amount, 0)), sum(d.refunded_amount)
       from donations d
       group by ${day('d')}, coalesce(d.campaign_id, 0), d.currency, d.provider, d.status, d.frequency`,
    )
    .execute(db)

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
  if (pg) {
    await sql`drop trigger if exists donations_day_totals on donations`.execute(db)
    await sql`drop function if exists donation_day_totals_apply()`.execute(db)
  } else {
    for (const op of ['insert', 'update', 'delete'])
      await sql.raw(`drop trigger if exists donations_day_totals_${op}`).execute(db)
  }
  await db.schema.dropTable('donation_day_totals').execute()
  await db.schema.dropIndex('donation_reversals_occurred').execute()
  await db.schema.dropIndex('donations_paid').execute()
  await db.schema.dropIndex('donations_name').execute()
}

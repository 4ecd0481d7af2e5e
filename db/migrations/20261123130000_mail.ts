import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Receipts (a gapless number series per year, immutable once issued) and the
// mail outbox (every email is a row written in the transaction that causes it).

// Columns fixed at issue. The triggers below refuse any change to them; a wrong
// receipt is voided and a new one issued that points back at it.
const ISSUED = [
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
]
// Set at most once (null → value), never changed or cleared afterwards.
const ONCE = [
  ['voided_at', 'void_reason'],
  ['official_code', 'official_number', 'official_attached_at'],
]

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const idType = pg ? 'bigserial' : 'integer'
  const money = pg ? 'bigint' : 'integer'
  const id = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement())

  // One row per year; its last_sequence is bumped inside the fulfilment transaction,
  // so a rolled-back fulfilment also rolls back its number (no gaps, unlike a sequence).
  await db.schema
    .createTable('receipt_counters')
    .addColumn('year', 'integer', (c) => c.primaryKey())
    .addColumn('last_sequence', 'integer', (c) => c.notNull().check(sql`last_sequence >= 0`))
    .execute()

  await db.schema
    .createTable('receipts')
    .addColumn('id', idType, id)
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull().check(sql`sequence > 0`))
    .addColumn('donation_id', 'integer', (c) => c.notNull().references('donations.id'))
    // A snapshot of the gift as receipted: later edits to the donation do not rewrite it.
    .addColumn('amount', money, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('donor_name', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'integer', (c) => c.references('campaigns.id'))
    .addColumn('designation', 'text', (c) => c.notNull())
    .addColumn('paid_at', 'text', (c) => c.notNull())
    .addColumn('verification_code', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    // The receipt this one reissues; unique, so a voided receipt has at most one successor.
    .addColumn('replaces_receipt_id', 'integer', (c) => c.unique().references('receipts.id'))
    .addColumn('voided_at', 'text')
    .addColumn('void_reason', 'text')
    // The official 公益事业捐赠票据 issued by the finance bureau, attached by staff when it exists.
    .addColumn('official_code', 'text')
    .addColumn('official_number', 'text')
    .addColumn('official_attached_at', 'text')
    .addUniqueConstraint('receipts_year_sequence', ['year', 'sequence'])
    .addCheckConstraint('receipts_void_pair', sql`(voided_at is null) = (void_reason is null)`)
    .addCheckConstraint(
      'receipts_official_triple',
      sql`(official_code is null) = (official_number is null) and (official_code is null) = (official_attached_at is null)`,
    )
    .execute()
  await db.schema.createIndex('receipts_donation').on('receipts').columns(['donation_id', 'id']).execute()
  // A donation's first receipt is unique; reissues (which point at what they replace) follow it.
  await db.schema
    .createIndex('receipts_first_per_donation')
    .unique()
    .on('receipts')
    .column('donation_id')
    .where(sql.ref('replaces_receipt_id'), 'is', null)
    .execute()

  const changed = (cols: string[]) =>
    cols.map((c) => (pg ? `new.${c} is distinct from old.${c}` : `new.${c} is not old.${c}`)).join(' or ')
  const frozen = [
    changed(ISSUED),
    ...ONCE.map((group) => `(old.${group[0]} is not null and (${changed(group)}))`),
  ].join(' or ')

  if (pg) {
    await sql
      .raw(
        `create function receipts_guard() returns trigger language plpgsql as $$
        begin
          if tg_op = 'DELETE' then raise exception 'receipts are never deleted: void instead'; end if;
          if ${frozen} then raise exception 'an issued receipt is never edited: void it and reissue'; end if;
          return new;
        end $$`,
      )
      .execute(db)
    await sql
      .raw(
        `create trigger receipts_guard before update or delete on receipts for each row execute function receipts_guard()`,
      )
      .execute(db)
  } else {
    await sql
      .raw(
        `create trigger receipts_no_delete before delete on receipts begin select raise(abort, 'receipts are never deleted: void instead'); end`,
      )
      .execute(db)
    await sql
      .raw(
        `create trigger receipts_frozen before update on receipts when ${frozen} begin select raise(abort, 'an issued receipt is never edited: void it and reissue'); end`,
      )
      .execute(db)
  }

  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', idType, id)
    // Queuing the same key twice is a no-op: the event that causes a mail names it.
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('props', 'text', (c) => c.notNull()) // JSON; rendered when sent or viewed
    // Fixed at queue time so a resend after a crash carries the same Message-ID.
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued','sending','sent','failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute()
  await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute()
  await db.schema.createIndex('mail_outbox_created').on('mail_outbox').columns(['created_at', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mail_outbox').execute()
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger receipts_guard on receipts`.execute(db)
    await sql`drop function receipts_guard()`.execute(db)
  }
  await db.schema.dropTable('receipts').execute()
  await db.schema.dropTable('receipt_counters').execute()
}

import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Official e-receipts (财政电子票据): a donor asks for one from the portal, finance attaches
// the finance bureau's receipt once. One request per donation. The payer's particulars
// are fixed once the official receipt is attached (it was made out to them), the
// official fields are set at most once (null → value), and the reversal (冲红) record
// likewise; rows are never deleted. Triggers enforce this on both dialects.

const PAYER = ['id', 'donation_id', 'requested_email', 'payer_kind', 'payer_name', 'credit_code', 'requested_at']
const OFFICIAL = [
  'receipt_id',
  'official_code',
  'official_number',
  'check_code',
  'official_date',
  'official_amount',
  'verify_url',
  'attached_at',
  'attached_by',
]
const REVERSAL = ['reversal_number', 'reversed_at', 'reversed_by']

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const idType = pg ? 'bigserial' : 'integer'
  const id = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement())

  await db.schema
    .createTable('official_receipt_requests')
    .addColumn('id', idType, id)
    .addColumn('donation_id', 'integer', (c) => c.notNull().unique().references('donations.id'))
    .addColumn('requested_email', 'text', (c) => c.notNull())
    .addColumn('payer_kind', 'text', (c) => c.notNull().check(sql`payer_kind in ('person','company')`))
    .addColumn('payer_name', 'text', (c) => c.notNull())
    .addColumn('credit_code', 'text')
    .addColumn('requested_at', 'text', (c) => c.notNull())
    // Our receipt the official one was attached beside (its wording then names it).
    .addColumn('receipt_id', 'integer', (c) => c.references('receipts.id'))
    .addColumn('official_code', 'text')
    .addColumn('official_number', 'text')
    .addColumn('check_code', 'text')
    .addColumn('official_date', 'text')
    // What the official receipt covers (minor units): the gift less refunds when attached.
    // A later refund brings the gift below it, and the request is flagged for 冲红.
    .addColumn('official_amount', pg ? 'bigint' : 'integer')
    .addColumn('verify_url', 'text')
    .addColumn('attached_at', 'text')
    .addColumn('attached_by', 'integer', (c) => c.references('users.id'))
    .addColumn('reversal_number', 'text')
    .addColumn('reversed_at', 'text')
    .addColumn('reversed_by', 'integer', (c) => c.references('users.id'))
    .addCheckConstraint('official_receipt_company_code', sql`(payer_kind = 'company') = (credit_code is not null)`)
    .addCheckConstraint(
      'official_receipt_attached_all',
      sql.raw(OFFICIAL.map((c) => `(${c} is null) = (attached_at is null)`).join(' and ')),
    )
    .addCheckConstraint(
      'official_receipt_reversal_all',
      sql.raw(
        `${REVERSAL.map((c) => `(${c} is null) = (reversed_at is null)`).join(' and ')} and (reversed_at is null or attached_at is not null)`,
      ),
    )
    .execute()
  await db.schema
    .createIndex('official_receipt_requests_queue')
    .on('official_receipt_requests')
    .columns(['attached_at', 'id'])
    .execute()

  const changed = (cols: string[]) =>
    cols.map((c) => (pg ? `new.${c} is distinct from old.${c}` : `new.${c} is not old.${c}`)).join(' or ')
  const frozen = [
    `(old.attached_at is not null and (${changed([...PAYER, ...OFFICIAL])}))`,
    `(old.reversed_at is not null and (${changed(REVERSAL)}))`,
    `(${changed(['id', 'donation_id', 'requested_at'])})`,
  ].join(' or ')
  if (pg) {
    await sql
      .raw(
        `create function official_receipt_requests_guard() returns trigger language plpgsql as $$
        begin
          if tg_op = 'DELETE' then raise exception 'official receipt requests are never deleted'; end if;
          if ${frozen} then raise exception 'an attached official receipt is never edited'; end if;
          return new;
        end $$`,
      )
      .execute(db)
    await sql
      .raw(
        `create trigger official_receipt_requests_guard before update or delete on official_receipt_requests for each row execute function official_receipt_requests_guard()`,
      )
      .execute(db)
  } else {
    await sql
      .raw(
        `create trigger official_receipt_requests_no_delete before delete on official_receipt_requests begin select raise(abort, 'official receipt requests are never deleted'); end`,
      )
      .execute(db)
    await sql
      .raw(
        `create trigger official_receipt_requests_frozen before update on official_receipt_requests when ${frozen} begin select raise(abort, 'an attached official receipt is never edited'); end`,
      )
      .execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger official_receipt_requests_guard on official_receipt_requests`.execute(db)
    await sql`drop function official_receipt_requests_guard()`.execute(db)
  }
  await db.schema.dropTable('official_receipt_requests').execute()
}

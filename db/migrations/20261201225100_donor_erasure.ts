import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here.
// A donor's erasure under PIPL (app/modules/donations/donor-privacy.server.ts) must reach
// two guarded tables, and only in one narrow way each:
// - receipts: an issued receipt stays frozen, except that donor_name may change once, to
//   the erased marker (the receipt keeps its number, amount and verification code);
// - audit_log: stays append-only, except that a row may be redacted once (before/after
//   rewritten with the erased values replaced, redacted_at set; nothing else changes).

const ERASED = '已删除'
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
const ONCE = [
  ['voided_at', 'void_reason'],
  ['official_code', 'official_number', 'official_attached_at'],
]
const AUDIT_FIXED = ['id', 'at', 'actor_user_id', 'action', 'entity_type', 'entity_id', 'station_id', 'ip']

function frozen(pg: boolean, erasable: boolean): string {
  const changed = (cols: string[]) =>
    cols.map((c) => (pg ? `new.${c} is distinct from old.${c}` : `new.${c} is not old.${c}`)).join(' or ')
  const issued = erasable ? ISSUED.filter((c) => c !== 'donor_name') : ISSUED
  return [
    changed(issued),
    ...(erasable ? [`(new.donor_name <> old.donor_name and new.donor_name <> '${ERASED}')`] : []),
    ...ONCE.map((group) => `(old.${group[0]} is not null and (${changed(group)}))`),
  ].join(' or ')
}

async function receiptsGuard(db: Kysely<any>, pg: boolean, erasable: boolean) {
  if (pg) {
    await sql
      .raw(
        `create or replace function receipts_guard() returns trigger language plpgsql as $$
        begin
          if tg_op = 'DELETE' then raise exception 'receipts are never deleted: void instead'; end if;
          if ${frozen(true, erasable)} then raise exception 'an issued receipt is never edited: void it and reissue'; end if;
          return new;
        end $$`,
      )
      .execute(db)
    return
  }
  await sql`drop trigger receipts_frozen`.execute(db)
  await sql
    .raw(
      `create trigger receipts_frozen before update on receipts when ${frozen(false, erasable)} begin select raise(abort, 'an issued receipt is never edited: void it and reissue'); end`,
    )
    .execute(db)
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await receiptsGuard(db, pg, true)
  await db.schema.alterTable('audit_log').addColumn('redacted_at', 'text').execute()
  const same = AUDIT_FIXED.map((c) => (pg ? `new.${c} is not distinct from old.${c}` : `new.${c} is old.${c}`)).join(
    ' and ',
  )
  const redaction = `old.redacted_at is null and new.redacted_at is not null and ${same}`
  if (pg) {
    await sql
      .raw(
        `create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
        begin
          if tg_op = 'UPDATE' and ${redaction} then return new; end if;
          raise exception 'audit_log is append-only';
        end $$`,
      )
      .execute(db)
  } else {
    await sql`drop trigger audit_log_no_update`.execute(db)
    await sql
      .raw(
        `create trigger audit_log_no_update before update on audit_log when not (${redaction}) begin select raise(abort, 'audit_log is append-only'); end`,
      )
      .execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  if (pg) {
    await sql`create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
      begin raise exception 'audit_log is append-only'; end $$`.execute(db)
  } else {
    await sql`drop trigger audit_log_no_update`.execute(db)
    await sql`create trigger audit_log_no_update before update on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db)
  }
  await db.schema.alterTable('audit_log').dropColumn('redacted_at').execute()
  await receiptsGuard(db, pg, false)
}

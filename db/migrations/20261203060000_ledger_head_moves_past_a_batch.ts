import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here.
// The chain head may move past several transactions at once (a group commit posts many
// and moves the head once), but only onto a recorded transaction: its hash must be that
// transaction's, the first one past the old head must link to the old hash, and every
// sequence in between must be there. Before, the head moved one step per transaction and
// its new hash was not checked at all.

const REFUSED = 'ledger head only moves forward, onto a recorded transaction, past every one in between'
const SQLITE_ONE_STEP = `create trigger ledger_head_forward before update on ledger_head when new.sequence <> old.sequence + 1 begin select raise(abort, 'ledger head only moves forward by one'); end`

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create or replace function ledger_head_forward() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE'
          or new.sequence <= old.sequence
          or new.hash is distinct from (select t.hash from ledger_transactions t where t.sequence = new.sequence)
          or old.hash is distinct from (select t.prev_hash from ledger_transactions t where t.sequence = old.sequence + 1)
          or (select count(*) from ledger_transactions t where t.sequence > old.sequence and t.sequence <= new.sequence)
            <> new.sequence - old.sequence
        then
          raise exception '${sql.raw(REFUSED)}';
        end if;
        return new;
      end $$`.execute(db)
    return
  }
  await sql`drop trigger ledger_head_forward`.execute(db)
  await sql
    .raw(
      `create trigger ledger_head_forward before update on ledger_head when new.sequence <= old.sequence
        or new.hash is not (select t.hash from ledger_transactions t where t.sequence = new.sequence)
        or old.hash is not (select t.prev_hash from ledger_transactions t where t.sequence = old.sequence + 1)
        or (select count(*) from ledger_transactions t where t.sequence > old.sequence and t.sequence <= new.sequence)
          <> new.sequence - old.sequence
        begin select raise(abort, '${REFUSED}'); end`,
    )
    .execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create or replace function ledger_head_forward() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' or new.sequence <> old.sequence + 1 then
          raise exception 'ledger head only moves forward by one';
        end if;
        return new;
      end $$`.execute(db)
    return
  }
  await sql`drop trigger ledger_head_forward`.execute(db)
  await sql.raw(SQLITE_ONE_STEP).execute(db)
}

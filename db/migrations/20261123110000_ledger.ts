import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here.
// The ledger: append-only history (accounts, transactions, transfers, donations, lots,
// traces) guarded by triggers, beside small mutable state tables (head, balances,
// lot and trace remainders) guarded by CHECK constraints. Everything mutable can be
// recomputed from the history (npm run ledger:verify does exactly that).

const HISTORY = [
  'ledger_accounts',
  'ledger_transactions',
  'ledger_transfers',
  'ledger_donations',
  'ledger_lots',
  'ledger_traces',
]
const ALL = [
  'ledger_trace_balances',
  'ledger_lot_balances',
  'ledger_traces',
  'ledger_lots',
  'ledger_donations',
  'ledger_balances',
  'ledger_transfers',
  'ledger_transactions',
  'ledger_head',
  'ledger_accounts',
]

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const idType = pg ? 'bigserial' : 'integer'
  const money = pg ? 'bigint' : 'integer'
  const big = pg ? 'bigint' : 'integer'
  const id = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement())
  const guarded = sql`(account not like 'fund:%' and account not like 'payable:%') or balance >= 0`

  await db.schema
    .createTable('ledger_accounts')
    .addColumn('id', idType, id)
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('external','fund','payable','paid')`))
    // Public name: a campaign title, or a student's pseudonymous public code — never a real name.
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  // The chain head: one row, locked FOR UPDATE by every posting on PostgreSQL.
  await db.schema
    .createTable('ledger_head')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('sequence', big, (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db
    .insertInto('ledger_head')
    .values({ id: 1, sequence: 0, hash: '0'.repeat(64), updated_at: '1970-01-01T00:00:00.000Z' })
    .execute()

  // sequence is the gapless public number and the key; it comes from the head, not a sequence object.
  await db.schema
    .createTable('ledger_transactions')
    .addColumn('sequence', big, (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('refs', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('donation_ref', 'text')
    .addColumn('corrects', big, (c) => c.unique().references('ledger_transactions.sequence'))
    .addColumn('request_digest', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .execute()
  await db.schema.createIndex('ledger_transactions_donation').on('ledger_transactions').column('donation_ref').execute()

  // Double entry as transfers: one row debits `from` and credits `to` by the same
  // amount, so every transaction nets to zero per currency by construction.
  await db.schema
    .createTable('ledger_transfers')
    .addColumn('id', idType, id)
    .addColumn('sequence', big, (c) => c.notNull().references('ledger_transactions.sequence'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('from_account', 'text', (c) => c.notNull().references('ledger_accounts.code'))
    .addColumn('to_account', 'text', (c) => c.notNull().references('ledger_accounts.code'))
    .addColumn('amount', money, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`length(currency) = 3`))
    .addCheckConstraint('ledger_transfers_distinct', sql`from_account <> to_account`)
    .addUniqueConstraint('ledger_transfers_position', ['sequence', 'position'])
    .execute()

  await db.schema
    .createTable('ledger_balances')
    .addColumn('account', 'text', (c) => c.notNull().references('ledger_accounts.code'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('balance', money, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('ledger_balances_pk', ['account', 'currency'])
    .addCheckConstraint('ledger_balances_not_negative', guarded)
    .execute()

  await db.schema
    .createTable('ledger_donations')
    .addColumn('id', idType, id)
    .addColumn('donation_ref', 'text', (c) => c.notNull().unique())
    .addColumn('sequence', big, (c) => c.notNull().unique().references('ledger_transactions.sequence'))
    .addColumn('fund', 'text', (c) => c.notNull())
    .addColumn('gross', money, (c) => c.notNull().check(sql`gross > 0`))
    .addColumn('fee', money, (c) => c.notNull().check(sql`fee >= 0 and fee <= gross`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('paid_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('ledger_donations_fund').on('ledger_donations').columns(['fund', 'currency']).execute()

  // A lot: money of one donation sitting in one fund (a fund transfer moves part of a lot into a new lot).
  await db.schema
    .createTable('ledger_lots')
    .addColumn('id', idType, id)
    .addColumn('sequence', big, (c) => c.notNull().references('ledger_transactions.sequence'))
    .addColumn('donation_id', big, (c) => c.notNull().references('ledger_donations.id'))
    .addColumn('fund', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull().check(sql`amount >= 0`))
    .addColumn('paid_at', 'text', (c) => c.notNull())
    .addColumn('source_trace_id', big)
    .execute()
  await db.schema.createIndex('ledger_lots_donation').on('ledger_lots').column('donation_id').execute()
  await db.schema.createIndex('ledger_lots_sequence').on('ledger_lots').column('sequence').execute()

  // A trace: one movement of one lot's money (award, payout, refund, transfer, reversal).
  await db.schema
    .createTable('ledger_traces')
    .addColumn('id', idType, id)
    .addColumn('sequence', big, (c) => c.notNull().references('ledger_transactions.sequence'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('award','payout','refund','dispute','transfer','reversal')`),
    )
    .addColumn('lot_id', big, (c) => c.notNull().references('ledger_lots.id'))
    .addColumn('amount', money, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('beneficiary_id', big)
    .addColumn('beneficiary_code', 'text')
    .addColumn('parent_id', big, (c) => c.references('ledger_traces.id'))
    .execute()
  await db.schema.createIndex('ledger_traces_lot').on('ledger_traces').column('lot_id').execute()
  await db.schema.createIndex('ledger_traces_sequence').on('ledger_traces').column('sequence').execute()

  // Mutable remainders, each recomputable from the history above.
  await db.schema
    .createTable('ledger_lot_balances')
    .addColumn('lot_id', big, (c) => c.primaryKey().references('ledger_lots.id'))
    .addColumn('fund', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('paid_at', 'text', (c) => c.notNull())
    .addColumn('remaining', money, (c) => c.notNull().check(sql`remaining >= 0`))
    .execute()
  // FIFO: oldest open lot of a fund first; drained lots leave the partial index.
  await sql`create index ledger_lot_balances_fifo on ledger_lot_balances (fund, currency, paid_at, lot_id) where remaining > 0`.execute(
    db,
  )

  await db.schema
    .createTable('ledger_trace_balances')
    .addColumn('trace_id', big, (c) => c.primaryKey().references('ledger_traces.id'))
    .addColumn('beneficiary_id', big, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('unpaid', money, (c) => c.notNull().check(sql`unpaid >= 0`))
    .execute()
  await sql`create index ledger_trace_balances_fifo on ledger_trace_balances (beneficiary_id, currency, trace_id) where unpaid > 0`.execute(
    db,
  )

  // Append-only: the database itself refuses to rewrite history, on both dialects.
  if (pg) {
    await sql`create function ledger_append_only() returns trigger language plpgsql as $$
      begin raise exception 'ledger history is append-only: % on % refused', tg_op, tg_table_name; end $$`.execute(db)
    await sql`create function ledger_head_forward() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' or new.sequence <> old.sequence + 1 then
          raise exception 'ledger head only moves forward by one';
        end if;
        return new;
      end $$`.execute(db)
    for (const t of HISTORY) {
      await sql`create trigger ${sql.id(`${t}_append_only`)} before update or delete on ${sql.id(t)} for each row execute function ledger_append_only()`.execute(
        db,
      )
      await sql`create trigger ${sql.id(`${t}_no_truncate`)} before truncate on ${sql.id(t)} for each statement execute function ledger_append_only()`.execute(
        db,
      )
    }
    await sql`create trigger ledger_head_forward before update or delete on ledger_head for each row execute function ledger_head_forward()`.execute(
      db,
    )
  } else {
    for (const t of HISTORY) {
      for (const op of ['update', 'delete']) {
        await sql
          .raw(
            `create trigger ${t}_no_${op} before ${op} on ${t} begin select raise(abort, 'ledger history is append-only: ${op} on ${t} refused'); end`,
          )
          .execute(db)
      }
    }
    await sql
      .raw(
        `create trigger ledger_head_no_delete before delete on ledger_head begin select raise(abort, 'ledger head cannot be deleted'); end`,
      )
      .execute(db)
    await sql
      .raw(
        `create trigger ledger_head_forward before update on ledger_head when new.sequence <> old.sequence + 1 begin select raise(abort, 'ledger head only moves forward by one'); end`,
      )
      .execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  for (const t of ALL) await db.schema.dropTable(t).execute()
  if (pg) {
    await sql`drop function ledger_append_only()`.execute(db)
    await sql`drop function ledger_head_forward()`.execute(db)
  }
}

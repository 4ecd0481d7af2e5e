// What must hold after any generator run, on either dialect: the ledger verifies, the
// books net to zero per currency, no fund or payable is negative, and the counts added
// are the counts requested.
import fs from 'node:fs'
import { sql } from 'kysely'
import { verifyLedger } from '../../../app/modules/ledger/verify.server'
import { dialectOf, type DB } from '../../../app/utils/db.server'
import type { Sizes } from './setup'

/** Tables the generator writes to; their row counts before and after give rows written. */
const TABLES = [
  'beneficiaries',
  'beneficiary_consents',
  'beneficiary_status_history',
  'donations',
  'receipts',
  'mail_outbox',
  'payment_events',
  'award_batches',
  'award_lines',
  'ledger_accounts',
  'ledger_transactions',
  'ledger_transfers',
  'ledger_donations',
  'ledger_lots',
  'ledger_lot_balances',
  'ledger_traces',
  'ledger_trace_balances',
  'audit_log',
] as const

export type Counts = Record<(typeof TABLES)[number] | 'awards' | 'paidDonations', number>

async function count(db: DB, table: string, where = sql`1 = 1`): Promise<number> {
  const row = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db)
  return Number(row.rows[0]!.n)
}

/** Row counts now (paid donations of the campaign, when given). */
export async function snapshot(db: DB, campaignId?: number): Promise<Counts> {
  const out: Partial<Counts> = {}
  for (const t of TABLES) out[t] = await count(db, t)
  out.awards = await count(db, 'ledger_transactions', sql`kind = 'award'`)
  out.paidDonations =
    campaignId === undefined ? 0 : await count(db, 'donations', sql`campaign_id = ${campaignId} and status = 'paid'`)
  return out as Counts
}

export type CheckResult = {
  ok: boolean
  failures: string[]
  verifySeconds: number
  rowsWritten: number
  transactions: number
}

export async function checkInvariants(
  db: DB,
  requested: Sizes,
  before: Counts,
  campaignId: number,
): Promise<CheckResult> {
  const failures: string[] = []
  const t0 = process.hrtime.bigint()
  const verified = await verifyLedger(db)
  const verifySeconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (!verified.ok) failures.push(`verifyLedger: ${JSON.stringify(verified.firstError)}`)

  const sums = await db
    .selectFrom('ledger_balances')
    .select(['currency', sql<number>`sum(balance)`.as('total')])
    .groupBy('currency')
    .execute()
  for (const s of sums)
    if (Number(s.total) !== 0) failures.push(`books do not net to zero in ${s.currency}: ${s.total}`)
  const negative = await db
    .selectFrom('ledger_balances')
    .select(['account', 'currency', 'balance'])
    .where((eb) => eb.or([eb('account', 'like', 'fund:%'), eb('account', 'like', 'payable:%')]))
    .where('balance', '<', 0)
    .limit(5)
    .execute()
  for (const n of negative) failures.push(`negative balance: ${n.account} ${n.balance} ${n.currency}`)
  const negativeLots = await count(db, 'ledger_lot_balances', sql`remaining < 0`)
  if (negativeLots) failures.push(`${negativeLots} lots with a negative remainder`)

  const after = await snapshot(db, campaignId)
  const added = {
    donations: after.paidDonations - before.paidDonations,
    students: after.beneficiaries - before.beneficiaries,
    awards: after.awards - before.awards,
  }
  for (const k of ['donations', 'students', 'awards'] as const)
    if (added[k] !== requested[k]) failures.push(`${k}: ${added[k]} added, ${requested[k]} requested`)
  const rowsWritten = TABLES.reduce((s, t) => s + after[t] - before[t], 0)
  return { ok: failures.length === 0, failures, verifySeconds, rowsWritten, transactions: verified.transactions }
}

/** Bytes the database takes on disk (SQLite: file and WAL; PostgreSQL: the database). */
export async function databaseBytes(db: DB, url: string): Promise<number> {
  if (dialectOf(db) === 'postgres') {
    const r = await sql<{ n: number }>`select pg_database_size(current_database()) as n`.execute(db)
    return Number(r.rows[0]!.n)
  }
  const file = url.replace(/^(sqlite|file):/, '')
  return [file, `${file}-wal`].reduce((s, f) => s + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0)
}

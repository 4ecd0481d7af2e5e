// Lots and traces: which donation's money went where. Planning is read-only so that
// a refused posting leaves nothing behind; applying happens after post() succeeded.
import { sql } from 'kysely'
import type { TraceKind } from '../../../db/tables/ledger'
import { InsufficientFundsError } from './errors'
import type { Trx } from './post.server'

export type Draw = { lotId: number; donationId: number; fund: string; paidAt: string; before: number; amount: number }

/** Current balance of one account in one currency (0 when it never moved). */
export async function balanceOf(trx: Trx, account: string, currency: string): Promise<number> {
  const row = await trx
    .selectFrom('ledger_balances')
    .select('balance')
    .where('account', '=', account)
    .where('currency', '=', currency)
    .executeTakeFirst()
  return row?.balance ?? 0
}

export async function assertCovered(trx: Trx, account: string, currency: string, amount: number): Promise<void> {
  const available = await balanceOf(trx, account, currency)
  if (available < amount) throw new InsufficientFundsError(account, currency, available, amount)
}

/**
 * The FIFO rule: a fund's open lots oldest first by (paid time, lot id). `taken`
 * holds amounts already planned from some lots in this same transaction.
 */
export async function planFifo(
  trx: Trx,
  fund: string,
  currency: string,
  amount: number,
  taken = new Map<number, number>(),
): Promise<Draw[]> {
  const draws: Draw[] = []
  let need = amount
  let after: { paidAt: string; lotId: number } | undefined
  let batch = 16
  while (need > 0) {
    let query = trx
      .selectFrom('ledger_lot_balances as b')
      .innerJoin('ledger_lots as l', 'l.id', 'b.lot_id')
      .select(['b.lot_id', 'b.remaining', 'b.paid_at', 'l.donation_id'])
      .where('b.fund', '=', fund)
      .where('b.currency', '=', currency)
      .where('b.remaining', '>', sql.lit(0)) // a literal, so the partial FIFO index applies on PostgreSQL too
      .orderBy('b.paid_at')
      .orderBy('b.lot_id')
      .limit(batch)
    if (after) {
      const a = after
      query = query.where((eb) =>
        eb.or([eb('b.paid_at', '>', a.paidAt), eb.and([eb('b.paid_at', '=', a.paidAt), eb('b.lot_id', '>', a.lotId)])]),
      )
    }
    const rows = await query.execute()
    for (const r of rows) {
      const open = r.remaining - (taken.get(r.lot_id) ?? 0)
      if (open <= 0) continue
      const take = Math.min(open, need)
      draws.push({ lotId: r.lot_id, donationId: r.donation_id, fund, paidAt: r.paid_at, before: open, amount: take })
      need -= take
      if (need === 0) break
    }
    if (need > 0 && rows.length < batch) throw new InsufficientFundsError(fund, currency, amount - need, amount)
    const last = rows[rows.length - 1]
    if (last) after = { paidAt: last.paid_at, lotId: last.lot_id }
    batch = Math.min(batch * 4, 1024)
  }
  return draws
}

/** Take planned draws out of their lots: drained lots in one statement, partial ones each. */
export async function applyDraws(trx: Trx, draws: Draw[]): Promise<void> {
  const byLot = new Map<number, { before: number; amount: number }>()
  for (const d of draws) {
    const e = byLot.get(d.lotId)
    if (e) e.amount += d.amount
    else byLot.set(d.lotId, { before: d.before, amount: d.amount })
  }
  const drained = [...byLot].filter(([, e]) => e.amount === e.before).map(([id]) => id)
  if (drained.length)
    await trx.updateTable('ledger_lot_balances').set({ remaining: 0 }).where('lot_id', 'in', drained).execute()
  for (const [lotId, e] of byLot) {
    if (e.amount === e.before) continue
    await adjustLot(trx, lotId, -e.amount)
  }
}

export async function adjustLot(trx: Trx, lotId: number, delta: number): Promise<void> {
  await trx
    .updateTable('ledger_lot_balances')
    .set((eb) => ({ remaining: eb('remaining', '+', delta) }))
    .where('lot_id', '=', lotId)
    .execute()
}

export type TraceRow = {
  sequence: number
  kind: TraceKind
  lot_id: number
  amount: number
  currency: string
  beneficiary_id?: number | null
  beneficiary_code?: string | null
  parent_id?: number | null
}

/** Insert trace rows; returns their ids in the order given (ids grow with insertion order). */
export async function insertTraces(trx: Trx, rows: TraceRow[]): Promise<number[]> {
  if (!rows.length) return []
  const out = await trx
    .insertInto('ledger_traces')
    .values(rows.map((r) => ({ beneficiary_id: null, beneficiary_code: null, parent_id: null, ...r })))
    .returning('id')
    .execute()
  return out.map((r) => r.id).sort((a, b) => a - b)
}

export type NewLot = {
  sequence: number
  donation_id: number
  fund: string
  currency: string
  amount: number
  paid_at: string
  source_trace_id: number | null
}

/** Open lots (history row + remainder row); returns ids in the order given. */
export async function openLots(trx: Trx, lots: NewLot[]): Promise<number[]> {
  if (!lots.length) return []
  const ids = (await trx.insertInto('ledger_lots').values(lots).returning('id').execute())
    .map((r) => r.id)
    .sort((a, b) => a - b)
  await trx
    .insertInto('ledger_lot_balances')
    .values(
      lots.map((l, i) => ({
        lot_id: ids[i]!,
        fund: l.fund,
        currency: l.currency,
        paid_at: l.paid_at,
        remaining: l.amount,
      })),
    )
    .execute()
  return ids
}

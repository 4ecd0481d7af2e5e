// Lots and traces: which donation's money went where. Planning is read-only so that
// a refused posting leaves nothing behind; applying happens after post() succeeded.
import { sql } from 'kysely'
import type { TraceKind } from '../../../db/tables/ledger'
import { invariant, present } from '../../utils/invariant'
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

type LotRow = { lotId: number; donationId: number; fund: string; currency: string; paidAt: string; remaining: number }
type Cursor = {
  /** The fund's balance before this posting (or batch). */
  balance: number
  rows: LotRow[]
  at: number
  after?: { paidAt: string; lotId: number }
  done: boolean
  page: number
}

/**
 * The lots one posting (or one batch of postings) draws, planned read-only under the
 * head lock. Every draw of a batch goes through one LotDraws, so a later award sees what
 * earlier ones took. The FIFO rule lives here and nowhere else.
 */
export class LotDraws {
  private readonly taken = new Map<number, number>()
  private readonly drawnFrom = new Map<string, number>()
  private readonly cursors = new Map<string, Cursor>()
  /** A fund could not cover a draw: the balance check refuses the posting before any write. */
  short = false
  constructor(private readonly trx: Trx) {}

  private open(row: LotRow): number {
    return row.remaining - (this.taken.get(row.lotId) ?? 0)
  }

  private take(row: LotRow, amount: number): Draw {
    this.taken.set(row.lotId, (this.taken.get(row.lotId) ?? 0) + amount)
    const k = fundKey(row.fund, row.currency)
    this.drawnFrom.set(k, (this.drawnFrom.get(k) ?? 0) + amount)
    // `before` is the stored remainder, the same for every draw of one lot (applyDraws merges them).
    return {
      lotId: row.lotId,
      donationId: row.donationId,
      fund: row.fund,
      paidAt: row.paidAt,
      before: row.remaining,
      amount,
    }
  }

  /** A donation's own open lots, in lot order (a refund draws these first); returns the draws and what is left. */
  async own(donationId: number, amount: number): Promise<{ draws: Draw[]; left: number }> {
    const rows = await this.trx
      .selectFrom('ledger_lots as l')
      .innerJoin('ledger_lot_balances as b', 'b.lot_id', 'l.id')
      .select(['l.id', 'l.fund', 'l.currency', 'l.paid_at', 'b.remaining'])
      .where('l.donation_id', '=', donationId)
      .where('b.remaining', '>', 0)
      .orderBy('l.id')
      .execute()
    const draws: Draw[] = []
    let left = amount
    for (const r of rows) {
      const row = {
        lotId: r.id,
        donationId,
        fund: r.fund,
        currency: r.currency,
        paidAt: r.paid_at,
        remaining: r.remaining,
      }
      if (left === 0) break
      const open = this.open(row)
      if (open <= 0) continue
      const take = Math.min(open, left)
      draws.push(this.take(row, take))
      left -= take
    }
    return { draws, left }
  }

  /** Everything still open of the lots one transaction opened, in lot order (a match given back). */
  async openedBy(sequence: number): Promise<Draw[]> {
    const rows = await this.trx
      .selectFrom('ledger_lots as l')
      .innerJoin('ledger_lot_balances as b', 'b.lot_id', 'l.id')
      .select(['l.id', 'l.donation_id', 'l.fund', 'l.currency', 'l.paid_at', 'b.remaining'])
      .where('l.sequence', '=', sequence)
      .where('b.remaining', '>', 0)
      .orderBy('l.id')
      .execute()
    const draws: Draw[] = []
    for (const r of rows) {
      const row = {
        lotId: r.id,
        donationId: r.donation_id,
        fund: r.fund,
        currency: r.currency,
        paidAt: r.paid_at,
        remaining: r.remaining,
      }
      const open = this.open(row)
      if (open > 0) draws.push(this.take(row, open))
    }
    return draws
  }

  /**
   * The FIFO rule: a fund's open lots oldest first by (paid time, lot id), read in keyset
   * pages that grow (16 … 1024 rows) and continue where the last draw from that fund
   * stopped. A draw the fund's balance cannot cover plans nothing and marks the posting
   * short; the balance check then refuses it with the batch's figures.
   */
  async fifo(fund: string, currency: string, amount: number): Promise<Draw[]> {
    const c = await this.cursor(fund, currency)
    if (amount > c.balance - (this.drawnFrom.get(fundKey(fund, currency)) ?? 0)) {
      this.short = true
      return []
    }
    const draws: Draw[] = []
    let need = amount
    while (need > 0) {
      const row = c.rows[c.at] ?? (await this.page(c, fund, currency))
      invariant(row, () => `${fund} ${currency}: open lots cover less than its balance (ledger inconsistent)`)
      const open = this.open(row)
      const take = Math.min(open, need)
      if (take > 0) {
        draws.push(this.take(row, take))
        need -= take
      }
      if (take === open || open <= 0) c.at++
    }
    return draws
  }

  private async cursor(fund: string, currency: string): Promise<Cursor> {
    const k = fundKey(fund, currency)
    let c = this.cursors.get(k)
    if (!c) {
      c = { balance: await balanceOf(this.trx, fund, currency), rows: [], at: 0, done: false, page: 16 }
      this.cursors.set(k, c)
    }
    return c
  }

  /** The next page of the fund's open lots; undefined when there are no more. */
  private async page(c: Cursor, fund: string, currency: string): Promise<LotRow | undefined> {
    if (c.done) return undefined
    let query = this.trx
      .selectFrom('ledger_lot_balances as b')
      .innerJoin('ledger_lots as l', 'l.id', 'b.lot_id')
      .select(['b.lot_id', 'b.remaining', 'b.paid_at', 'l.donation_id'])
      .where('b.fund', '=', fund)
      .where('b.currency', '=', currency)
      .where('b.remaining', '>', sql.lit(0)) // a literal, so the partial FIFO index applies on PostgreSQL too
      .orderBy('b.paid_at')
      .orderBy('b.lot_id')
      .limit(c.page)
    const a = c.after
    if (a)
      query = query.where((eb) =>
        eb.or([eb('b.paid_at', '>', a.paidAt), eb.and([eb('b.paid_at', '=', a.paidAt), eb('b.lot_id', '>', a.lotId)])]),
      )
    const rows = await query.execute()
    if (rows.length < c.page) c.done = true
    c.page = Math.min(c.page * 4, 1024)
    c.rows = rows.map((r) => ({
      lotId: r.lot_id,
      donationId: r.donation_id,
      fund,
      currency,
      paidAt: r.paid_at,
      remaining: r.remaining,
    }))
    c.at = 0
    const last = rows.at(-1)
    if (last) c.after = { paidAt: last.paid_at, lotId: last.lot_id }
    return c.rows[0]
  }
}

const fundKey = (fund: string, currency: string) => `${fund}\u0000${currency}`

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
        lot_id: present(ids[i], 'one id per opened lot'),
        fund: l.fund,
        currency: l.currency,
        paid_at: l.paid_at,
        remaining: l.amount,
      })),
    )
    .execute()
  return ids
}

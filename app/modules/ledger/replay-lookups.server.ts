// The replay's kinds that look back into the history (replay.server.ts): a refund or
// dispute draws the gift's own lots first (then fund:general), a match return gives back
// what is open of a match's lots, and a correction undoes one earlier award, payout or
// fund transfer exactly. Rare, so they query as they go.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { TraceKind } from '../../../db/tables/ledger'
import { GENERAL_FUND } from './accounts'
import type { AwardBook } from './replay-awards'
import type { LotBook } from './replay-lots'
import { bare, expectTransfers, fail, type Expected, type ReplayTx, type Trace } from './replay-rows'

type Db = Kysely<Database>

/** The trace rows a refund or dispute must have (its transfers are checked here). */
export async function refundDraws(db: Db, lots: LotBook, tx: ReplayTx): Promise<Expected[]> {
  const seq = tx.sequence
  const currency = tx.transfers[0]!.currency
  const amount = tx.transfers.reduce((s, t) => s + t.amount, 0)
  const target = tx.kind === 'refund' ? 'external:refunds' : 'external:disputes'
  const donation = await db
    .selectFrom('ledger_donations')
    .select('id')
    .where('donation_ref', '=', tx.refs.donation ?? '')
    .executeTakeFirst()
  if (!donation) return fail('ledger_transactions', seq, seq, `refund of unknown donation ${tx.refs.donation}`)
  const own = await db
    .selectFrom('ledger_lots')
    .select('id')
    .where('donation_id', '=', donation.id)
    .where('sequence', '<', seq)
    .orderBy('id')
    .execute()
  const draws: { lot: number; amount: number }[] = []
  const transfers: { from: string; to: string; amount: number; currency: string }[] = []
  let need = amount
  for (const { id } of own) {
    const open = lots.remaining[id]!
    if (need === 0 || open <= 0) continue
    const take = Math.min(open, need)
    lots.remaining[id] = open - take
    draws.push({ lot: id, amount: take })
    need -= take
    const fund = lots.fundName(id)
    const same = transfers.find((t) => t.from === fund)
    if (same) same.amount += take
    else transfers.push({ from: fund, to: target, amount: take, currency })
  }
  if (need > 0) {
    draws.push(...lots.drawFifo(GENERAL_FUND, currency, need, seq))
    transfers.push({ from: GENERAL_FUND, to: target, amount: need, currency })
  }
  expectTransfers(tx, transfers)
  return draws.map((d) => bare(tx.kind as TraceKind, d.lot, d.amount, currency))
}

/** A match given back: all that is still open of the match's own lots, in lot order, to its pool. */
export async function matchReturnDraws(
  db: Db,
  lots: LotBook,
  tx: ReplayTx,
): Promise<{ lot: number; amount: number }[]> {
  const seq = tx.sequence
  const t0 = tx.transfers[0]!
  const target = Number(tx.refs.returns)
  const original = await db
    .selectFrom('ledger_transactions')
    .select('kind')
    .where('sequence', '=', target)
    .where('sequence', '<', seq)
    .executeTakeFirst()
  if (original?.kind !== 'match') return fail('ledger_transactions', seq, seq, `${tx.refs.returns} is not a match`)
  const own = await db.selectFrom('ledger_lots').select('id').where('sequence', '=', target).orderBy('id').execute()
  const draws: { lot: number; amount: number }[] = []
  let from = ''
  for (const { id } of own) {
    const open = lots.remaining[id]!
    from = lots.fundName(id)
    if (open <= 0) continue
    lots.remaining[id] = 0
    draws.push({ lot: id, amount: open })
  }
  const pool = await db
    .selectFrom('ledger_transfers')
    .select('from_account')
    .where('sequence', '=', target)
    .executeTakeFirstOrThrow()
  const amount = draws.reduce((s, d) => s + d.amount, 0)
  expectTransfers(tx, [{ from, to: pool.from_account, amount, currency: t0.currency }])
  return draws
}

/**
 * A correction: its reversal traces are compared (`compare`), then its target's effects
 * are undone in the books (each transaction is corrected at most once: `corrected`).
 */
export async function applyCorrection(
  db: Db,
  books: { lots: LotBook; awards: AwardBook; corrected: Set<number> },
  tx: ReplayTx,
  compare: (expected: Expected[]) => void,
): Promise<void> {
  const seq = tx.sequence
  const target = Number(tx.refs.corrects)
  const original = await db
    .selectFrom('ledger_transactions')
    .select('kind')
    .where('sequence', '=', target)
    .where('sequence', '<', seq)
    .executeTakeFirst()
  if (!original || !['award', 'payout', 'fund_transfer'].includes(original.kind) || books.corrected.has(target)) {
    return fail('ledger_transactions', seq, seq, `cannot correct transaction ${tx.refs.corrects}`)
  }
  books.corrected.add(target)
  const transfers = await db
    .selectFrom('ledger_transfers')
    .selectAll()
    .where('sequence', '=', target)
    .orderBy('position')
    .execute()
  expectTransfers(
    tx,
    transfers.map((t) => ({ from: t.to_account, to: t.from_account, amount: t.amount, currency: t.currency })),
  )
  const undone: Trace[] = await db
    .selectFrom('ledger_traces')
    .selectAll()
    .where('sequence', '=', target)
    .orderBy('id')
    .execute()
  const created = await db
    .selectFrom('ledger_lots')
    .select(['id', 'source_trace_id'])
    .where('sequence', '=', target)
    .execute()
  compare(
    undone.map((t) => ({
      kind: 'reversal',
      lot_id: t.lot_id,
      amount: t.amount,
      currency: t.currency,
      beneficiary_id: t.beneficiary_id,
      beneficiary_code: t.beneficiary_code,
      parent_id: t.id,
    })),
  )
  for (const t of undone) {
    if (t.kind === 'award') {
      books.awards.cancel(t, seq)
      books.lots.restore(t.lot_id, t.amount)
    } else if (t.kind === 'payout') books.awards.reopen(t, seq)
    else if (t.kind === 'transfer') {
      const lot = created.find((l) => l.source_trace_id === t.id)
      if (!lot || books.lots.remaining[lot.id] !== t.amount)
        return fail('ledger_lots', lot?.id, seq, `lot moved by trace ${t.id} was spent before its correction`)
      books.lots.remaining[lot.id] = 0
      books.lots.restore(t.lot_id, t.amount)
    }
  }
}

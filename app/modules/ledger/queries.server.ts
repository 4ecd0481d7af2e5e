// Read side: O(1) balances, one donation's whole trace, campaign progress.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { present } from '../../utils/invariant'
import { disclosuresOf, openRefs, publishedDonorName } from './disclosures.server'

type Db = Kysely<Database>

/** Current balance of an account in minor units (0 when it never moved). */
export async function getBalance(db: Db, code: string, currency: string): Promise<number> {
  const row = await db
    .selectFrom('ledger_balances')
    .select('balance')
    .where('account', '=', code)
    .where('currency', '=', currency)
    .executeTakeFirst()
  return row?.balance ?? 0
}

/** The published chain head: the last sequence and its hash. */
export async function getHead(db: Db): Promise<{ sequence: number; hash: string }> {
  return db.selectFrom('ledger_head').select(['sequence', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow()
}

export type TraceShare = {
  beneficiaryCode: string
  amount: number
  paid: number
  awardedAt: string
  /** When the share was fully paid out; null while (part of) it is awaiting payout. */
  paidAt: string | null
  /** Public refs of the award (programme, term, …). */
  refs: Record<string, string>
  awardSequence: number
}

export type DonationTrace = {
  donation: {
    donationRef: string
    displayName: string
    fund: string
    amount: number
    fee: number
    net: number
    currency: string
    paidAt: string
    sequence: number
  }
  shares: TraceShare[]
  /** Still in a fund, not yet awarded. */
  held: number
  /** Refunded or lost in a dispute (the whole refund, including any shortfall covered by fund:general). */
  refunded: number
  /** This donation's money that covered the shortfall of another donation's refund. */
  coveredRefunds: number
  /** Funds now holding this donation's money (after fund transfers). */
  heldIn: { fund: string; amount: number }[]
}

/** What a donation's refunds and lost disputes have taken back so far (the whole of each). */
export async function refundedOf(db: Db, donationRef: string): Promise<number> {
  const row = await db
    .selectFrom('ledger_transfers as t')
    .innerJoin('ledger_transactions as x', 'x.sequence', 't.sequence')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('t.amount'), eb.lit(0)).as('n'))
    .where('x.donation_ref', '=', donationRef)
    .where('x.kind', 'in', ['refund', 'dispute'])
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Everything one donation became: two indexed queries (lots, then trace rows) and one for its refunds. */
export async function getDonationTrace(db: Db, donationRef: string): Promise<DonationTrace | undefined> {
  const lots = await db
    .selectFrom('ledger_donations as d')
    .innerJoin('ledger_lots as l', 'l.donation_id', 'd.id')
    .innerJoin('ledger_lot_balances as b', 'b.lot_id', 'l.id')
    .select([
      'd.id',
      'd.donation_ref',
      'd.display_name',
      'd.fund',
      'd.gross',
      'd.fee',
      'd.currency',
      'd.paid_at',
      'd.sequence',
      'l.id as lot_id',
      'l.fund as lot_fund',
      'b.remaining',
    ])
    .where('d.donation_ref', '=', donationRef)
    .orderBy('l.id')
    .execute()
  const d = lots[0]
  if (!d) return undefined
  const rows = await traceRows(db, (q) => q.where('l.donation_id', '=', d.id))
  const refunded = await refundedOf(db, donationRef)

  const { shares, coveredRefunds } = await sharesOf(db, rows, donationRef)
  const heldIn = new Map<string, number>()
  for (const l of lots) if (l.remaining > 0) heldIn.set(l.lot_fund, (heldIn.get(l.lot_fund) ?? 0) + l.remaining)
  return {
    donation: {
      donationRef: d.donation_ref,
      displayName: await publishedDonorName(db, d),
      fund: d.fund,
      amount: d.gross,
      fee: d.fee,
      net: d.gross - d.fee,
      currency: d.currency,
      paidAt: d.paid_at,
      sequence: d.sequence,
    },
    shares,
    held: lots.reduce((sum, l) => sum + l.remaining, 0),
    refunded,
    coveredRefunds,
    heldIn: [...heldIn].map(([fund, amount]) => ({ fund, amount })),
  }
}

type LotQuery = ReturnType<typeof lotTraces>
const lotTraces = (db: Db) =>
  db
    .selectFrom('ledger_traces as t')
    .innerJoin('ledger_lots as l', 'l.id', 't.lot_id')
    .innerJoin('ledger_transactions as x', 'x.sequence', 't.sequence')
    .select([
      't.id',
      't.kind',
      't.amount',
      't.beneficiary_code',
      't.parent_id',
      'x.occurred_at',
      'x.refs',
      'x.donation_ref',
      'x.sequence',
    ])

/** The trace rows on some lots, in id order (a reversal after what it undoes). */
const traceRows = (db: Db, lots: (q: LotQuery) => LotQuery) => lots(lotTraces(db)).orderBy('t.id').execute()

type TraceRow = Awaited<ReturnType<typeof traceRows>>[number]

/**
 * Trace rows folded into what each student got: an award, less its reversals, paid by its
 * payouts. Refunds of other donations these lots covered are counted apart.
 */
async function sharesOf(db: Db, rows: TraceRow[], donationRef: string | null) {
  const disclosed = await disclosuresOf(
    db,
    rows.filter((r) => r.kind === 'award').map((r) => r.sequence),
  )
  const shares = new Map<number, TraceShare>()
  const payoutOf = new Map<number, number>() // payout trace id → award trace id
  const kindOf = new Map<number, string>()
  let coveredRefunds = 0
  for (const r of rows) {
    kindOf.set(r.id, r.kind)
    if (r.kind === 'award') {
      shares.set(r.id, {
        beneficiaryCode: present(r.beneficiary_code, 'an award trace names its student'),
        amount: r.amount,
        paid: 0,
        awardedAt: r.occurred_at,
        paidAt: null,
        refs: openRefs(JSON.parse(r.refs) as Record<string, string>, disclosed.get(r.sequence)),
        awardSequence: r.sequence,
      })
    } else if (r.kind === 'payout') {
      const award = present(r.parent_id, 'a payout trace settles an award trace')
      payoutOf.set(r.id, award)
      const s = shares.get(award)
      if (s) {
        s.paid += r.amount
        s.paidAt = r.occurred_at
      }
    } else if (r.kind === 'reversal') {
      // A reversal undoes a trace of this same donation's lots, read earlier in id order.
      const parent = present(r.parent_id, 'a reversal trace names the trace it undoes')
      const undone = kindOf.get(parent)
      if (undone === 'award') present(shares.get(parent), 'the reversed award share').amount -= r.amount
      else if (undone === 'payout')
        present(shares.get(present(payoutOf.get(parent), 'the reversed payout')), 'its award share').paid -= r.amount
    } else if ((r.kind === 'refund' || r.kind === 'dispute') && r.donation_ref !== donationRef)
      coveredRefunds += r.amount
  }
  return {
    shares: [...shares.values()]
      .filter((s) => s.amount > 0)
      .map((s) => ({ ...s, paidAt: s.paid >= s.amount ? s.paidAt : null })),
    coveredRefunds,
  }
}

/**
 * What students got of one match (配捐): the lots the match transaction opened in the
 * gift's fund and any a later fund transfer reopened from them. Their origin stays the
 * sponsor's gift; this is the donor's view of the same money.
 */
export async function getMatchShares(db: Db, matchSequence: number): Promise<TraceShare[]> {
  const first = await db.selectFrom('ledger_lots').select('id').where('sequence', '=', matchSequence).execute()
  const lots = first.map((l) => l.id)
  for (let frontier = [...lots]; frontier.length;) {
    const next = await db
      .selectFrom('ledger_lots as l')
      .innerJoin('ledger_traces as t', 't.id', 'l.source_trace_id')
      .select('l.id')
      .where('t.lot_id', 'in', frontier)
      .execute()
    frontier = next.map((l) => l.id)
    lots.push(...frontier)
  }
  if (!lots.length) return []
  return (await sharesOf(db, await traceRows(db, (q) => q.where('t.lot_id', 'in', lots)), null)).shares
}

export type FundRaised = { donations: number; byCurrency: Record<string, { gross: number; donations: number }> }

/** Gross given to a fund by donors, and how many donations, per currency (for campaign progress). */
export async function fundRaised(db: Db, fundCode: string): Promise<FundRaised> {
  const rows = await db
    .selectFrom('ledger_donations')
    .select((eb) => ['currency', eb.fn.sum<number>('gross').as('gross'), eb.fn.countAll<number>().as('n')])
    .where('fund', '=', fundCode)
    .groupBy('currency')
    .execute()
  const byCurrency: FundRaised['byCurrency'] = {}
  for (const r of rows) byCurrency[r.currency] = { gross: Number(r.gross), donations: Number(r.n) }
  return { donations: rows.reduce((n, r) => n + Number(r.n), 0), byCurrency }
}

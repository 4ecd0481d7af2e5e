// The scenario's model: what the books SHOULD hold after each step, computed on its own
// from the rules in DESIGN.md (donations open lots of gross − fee; awards draw a fund's lots
// oldest first; refunds draw the donation's own lot, the shortfall from fund:general oldest
// first; payouts move payable → paid; a matching pool tops a qualifying gift up with its
// sponsor's lots, reopened in the gift's fund, and takes the unspent part back when the gift
// is refunded or lost), never by reading the database. The invariants compare it with the
// database after every step.
//
// Every operation either applies completely or throws a ModelRefusal and leaves the model
// as it was (callers apply on a clone), mirroring one database transaction.

import { createHash } from 'node:crypto'
import { demoFee } from '../../../app/modules/payments/demo.server'
import { feeAtRate } from '../../../app/modules/payments/provider'

export type DonationStatus = 'pending' | 'paid' | 'partially_refunded' | 'refunded' | 'disputed'

export type Lot = {
  seq: number
  donation: string
  fund: string
  currency: string
  paidAt: string
  remaining: number
  amount: number
}

export type MDonation = {
  publicId: string
  fund: string
  currency: string
  amount: number
  fee: number
  /** The configured fee rate of WeChat Pay or Alipay (which report none); null: the demo card's fee. */
  feeBps: number | null
  status: DonationStatus
  /** The donor's email as the checkout keeps it (trimmed, lower case): whose day a match counts in. */
  donor: string
  /** Reversals booked, by provider ref. */
  reversals: Record<string, { kind: 'refund' | 'dispute'; amount: number }>
  refunded: number
  lot: number | null
  /** Receipt chain: rows issued, and the amount of the valid one (null once voided). */
  receipts: number
  receiptAmount: number | null
}

export type MBatch = {
  id: number
  term: string
  fund: string
  lines: { beneficiaryId: number; amount: number }[]
  required: number
  approvals: number[]
  status: 'prepared' | 'approved' | 'paid' | 'rejected'
}

/** A matching pool's rules (fen), as the scenario set it up (setup.ts MATCH_POOL). */
export type MPool = {
  id: number
  fund: string
  /** The funds of the campaigns it matches. */
  campaignFunds: string[]
  currency: string
  /** China dates, inclusive (open all day: the scenario's pool sets no hours). */
  startsOn: string
  endsOn: string
  minGift: number
  ratioGift: number
  ratioMatch: number
  capPerGift: number | null
  capPerDonorDay: number | null
  capTotal: number | null
}

export type MMatch = {
  pool: number
  amount: number
  returned: number
  /** The limit that cut the rule's amount (refs.cut of the match transaction), or ''. */
  cut: string
  /** Seqs of the lots the match opened in the gift's fund. */
  lots: number[]
  donor: string
  day: string
}

export type State = {
  donations: Record<string, MDonation>
  pools: MPool[]
  /** By the matched gift's public id. */
  matches: Record<string, MMatch>
  /** match_return transactions posted, and how many of them after a lost dispute. */
  matchReturns: number
  matchReturnsOnDispute: number
  /** Gifts a pool could have matched that got nothing (the pool dry, or the donor's day used up). */
  unmatched: number
  /** Gifts a pool's balance cut short, or to nothing: the pool ran dry. */
  dry: number
  lots: Lot[]
  nextLotSeq: number
  balances: Record<string, number> // `${account} ${currency}`
  processedEvents: string[]
  batches: MBatch[]
  caps: string[] // `${beneficiaryId} ${term}`
}

export class ModelRefusal extends Error {
  constructor(public readonly reason: string) {
    super(reason)
  }
}

export function emptyState(): State {
  return {
    donations: {},
    pools: [],
    matches: {},
    matchReturns: 0,
    matchReturnsOnDispute: 0,
    unmatched: 0,
    dry: 0,
    lots: [],
    nextLotSeq: 1,
    balances: {},
    processedEvents: [],
    batches: [],
    caps: [],
  }
}

/** The China calendar day (UTC+8, no daylight saving) of an ISO moment. */
export const chinaDay = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10)

/** The donor key matching_matches stores: hex SHA-256 of "email:" + the normalised email. */
export const donorKeyOf = (email: string) =>
  createHash('sha256').update(`email:${email.trim().toLowerCase()}`, 'utf8').digest('hex')

/**
 * A pool set up and funded before the scenario: its rules, and the sponsor's offline gift
 * (no fee, one receipt) booked at noon China time of the day received into the pool's fund.
 */
export function addPool(s: State, pool: MPool, sponsor: { publicId: string; amount: number; receivedOn: string }) {
  s.pools.push(pool)
  const paidAt = new Date(`${sponsor.receivedOn}T12:00:00+08:00`).toISOString()
  move(s, 'external:donors', pool.fund, sponsor.amount, pool.currency)
  const lot = openLot(
    s,
    { donation: sponsor.publicId, fund: pool.fund, currency: pool.currency, paidAt },
    sponsor.amount,
  )
  s.donations[sponsor.publicId] = {
    publicId: sponsor.publicId,
    fund: pool.fund,
    currency: pool.currency,
    amount: sponsor.amount,
    fee: 0,
    feeBps: null,
    status: 'paid',
    donor: 'sponsor@scenario.test',
    reversals: {},
    refunded: 0,
    lot: lot.seq,
    receipts: 1,
    receiptAmount: sponsor.amount,
  }
}

function openLot(s: State, where: Pick<Lot, 'donation' | 'fund' | 'currency' | 'paidAt'>, amount: number): Lot {
  const lot: Lot = { seq: s.nextLotSeq++, ...where, remaining: amount, amount }
  s.lots.push(lot)
  return lot
}

const key = (account: string, currency: string) => `${account} ${currency}`
export const balance = (s: State, account: string, currency: string) => s.balances[key(account, currency)] ?? 0

function move(s: State, from: string, to: string, amount: number, currency: string) {
  s.balances[key(from, currency)] = balance(s, from, currency) - amount
  s.balances[key(to, currency)] = balance(s, to, currency) + amount
}

const fifo = (a: Lot, b: Lot) => (a.paidAt < b.paidAt ? -1 : a.paidAt > b.paidAt ? 1 : a.seq - b.seq)

/** Draw `amount` from a fund's open lots, oldest first, or refuse without touching them. */
function drawFifo(
  s: State,
  fund: string,
  currency: string,
  amount: number,
  taken: Map<number, number>,
): { lot: Lot; amount: number }[] {
  const open = s.lots
    .filter((l) => l.fund === fund && l.currency === currency && l.remaining - (taken.get(l.seq) ?? 0) > 0)
    .sort(fifo)
  const draws: { lot: Lot; amount: number }[] = []
  let need = amount
  for (const lot of open) {
    if (need === 0) break
    const take = Math.min(lot.remaining - (taken.get(lot.seq) ?? 0), need)
    draws.push({ lot, amount: take })
    need -= take
  }
  if (need > 0) throw new ModelRefusal('insufficient')
  return draws
}

export function addPending(
  s: State,
  d: { publicId: string; fund: string; currency: string; amount: number; donor: string; feeBps?: number },
) {
  s.donations[d.publicId] = {
    ...d,
    donor: d.donor.trim().toLowerCase(),
    fee: 0,
    feeBps: d.feeBps ?? null,
    status: 'pending',
    reversals: {},
    refunded: 0,
    lot: null,
    receipts: 0,
    receiptAmount: null,
  }
}

/** fulfilDonation: pending → paid, a lot of gross − fee, the pool's match if any, one receipt. */
export function fulfil(s: State, publicId: string, paidAt: string): 'fulfilled' | 'already' {
  const d = s.donations[publicId]!
  if (d.status !== 'pending') return 'already'
  d.fee = d.feeBps === null ? demoFee(d.amount) : feeAtRate(d.amount, d.feeBps)
  d.status = 'paid'
  move(s, 'external:donors', d.fund, d.amount, d.currency)
  if (d.fee > 0) move(s, d.fund, 'external:fees', d.fee, d.currency)
  const lot = openLot(s, { donation: publicId, fund: d.fund, currency: d.currency, paidAt }, d.amount - d.fee)
  d.lot = lot.seq
  matchGift(s, d, paidAt)
  d.receipts = 1
  d.receiptAmount = d.amount
  return 'fulfilled'
}

const standing = (m: MMatch) => m.amount - m.returned
const sum = (ms: MMatch[]) => ms.reduce((n, m) => n + standing(m), 0)

/**
 * matchGift: the first pool (lowest id) of the gift's campaign and currency, open on the
 * day it was paid, whose minimum the gross gift reaches and that still gives something.
 * The rule's amount (floor(gift × match / gift ratio)) is cut, in this order, by the pool's
 * balance, the per-gift cap, what is left of the donor's China day (matched less returned)
 * and of the pool's total cap; the last limit below the amount is the one named as cut.
 * The pool's lots are drawn oldest first and reopened in the gift's fund: the sponsor's
 * gift stays their origin, with its paid time.
 */
function matchGift(s: State, d: MDonation, paidAt: string) {
  const day = chinaDay(paidAt)
  const candidates = s.pools
    .filter(
      (p) =>
        p.campaignFunds.includes(d.fund) &&
        p.currency === d.currency &&
        p.startsOn <= day &&
        day <= p.endsOn &&
        d.amount >= p.minGift,
    )
    .sort((a, b) => a.id - b.id)
  if (!candidates.length) return
  for (const p of candidates) {
    const mine = Object.values(s.matches).filter((m) => m.pool === p.id)
    const limits: [string, number][] = [['balance', balance(s, p.fund, p.currency)]]
    if (p.capPerGift !== null) limits.push(['gift', p.capPerGift])
    if (p.capPerDonorDay !== null)
      limits.push(['donor_day', p.capPerDonorDay - sum(mine.filter((m) => m.donor === d.donor && m.day === day))])
    if (p.capTotal !== null) limits.push(['pool', p.capTotal - sum(mine)])
    const raw = Math.floor((d.amount * p.ratioMatch) / p.ratioGift)
    let amount = raw
    let cut = ''
    for (const [name, limit] of limits)
      if (limit < amount) {
        amount = limit
        cut = name
      }
    if (amount === limits[0]![1] && amount < raw) s.dry++
    if (amount <= 0) continue
    const lots = drawFifo(s, p.fund, p.currency, amount, new Map()).map((x) => {
      x.lot.remaining -= x.amount
      return openLot(
        s,
        { donation: x.lot.donation, fund: d.fund, currency: p.currency, paidAt: x.lot.paidAt },
        x.amount,
      ).seq
    })
    move(s, p.fund, d.fund, amount, p.currency)
    s.matches[d.publicId] = { pool: p.id, amount, returned: 0, cut, lots, donor: d.donor, day }
    return
  }
  s.unmatched++
}

/**
 * returnMatch: after a refund (part or whole) or a lost dispute of a matched gift, all that
 * is still open of the match's own lots goes back to its pool, reopened there (same origin
 * and paid time) in one match_return; what awards took of them stays awarded.
 */
function returnMatch(s: State, d: MDonation, kind: 'refund' | 'dispute') {
  const m = s.matches[d.publicId]
  if (!m) return
  const open = m.lots.map((seq) => s.lots.find((l) => l.seq === seq)!).filter((l) => l.remaining > 0)
  const unspent = open.reduce((n, l) => n + l.remaining, 0)
  if (unspent === 0) return
  const pool = s.pools.find((p) => p.id === m.pool)!
  for (const l of open) {
    openLot(s, { donation: l.donation, fund: pool.fund, currency: l.currency, paidAt: l.paidAt }, l.remaining)
    l.remaining = 0
  }
  move(s, d.fund, pool.fund, unspent, pool.currency)
  m.returned += unspent
  s.matchReturns++
  if (kind === 'dispute') s.matchReturnsOnDispute++
}

/** reverseDonation + postRefund: the own lot first, the shortfall from fund:general; then the match given back. */
export function reverse(
  s: State,
  publicId: string,
  r: { kind: 'refund' | 'dispute'; ref: string; amount: number },
): 'reversed' | 'already' {
  const d = s.donations[publicId]!
  // Provider refs are unique across donations (donation_reversals.provider_ref).
  if (Object.values(s.donations).some((o) => o.reversals[r.ref])) return 'already'
  const done = Object.values(d.reversals).reduce((n, x) => n + x.amount, 0)
  if (r.amount > d.amount - done) throw new ModelRefusal('input')
  const own = s.lots.find((l) => l.seq === d.lot)!
  const draws: { lot: Lot; amount: number }[] = []
  const ownTake = Math.min(own.remaining, r.amount)
  if (ownTake > 0) draws.push({ lot: own, amount: ownTake })
  const need = r.amount - ownTake
  if (need > 0) draws.push(...drawFifo(s, 'fund:general', d.currency, need, new Map([[own.seq, ownTake]])))
  const target = r.kind === 'refund' ? 'external:refunds' : 'external:disputes'
  for (const x of draws) {
    x.lot.remaining -= x.amount
    move(s, x.lot.fund, target, x.amount, d.currency)
  }
  returnMatch(s, d, r.kind)
  d.reversals[r.ref] = { kind: r.kind, amount: r.amount }
  if (r.kind === 'refund') {
    d.refunded += r.amount
    d.status = d.refunded >= d.amount ? 'refunded' : 'partially_refunded'
    // settleReceiptAfterRefund: void when nothing is kept, else reissue for what is kept.
    const kept = d.amount - d.refunded
    if (d.receiptAmount !== null && kept !== d.receiptAmount) {
      if (kept <= 0) d.receiptAmount = null
      else {
        d.receipts++
        d.receiptAmount = kept
      }
    }
  } else d.status = 'disputed'
  return 'reversed'
}

// ---- webhook events, as handleWebhook dispatches them ----

export type Refund = { id: string; amount: number; created: number }
export type ScenarioEvent =
  | {
      id: string
      type: 'checkout.session.completed'
      publicId: string
      created: number
      /** Paid by WeChat Pay or Alipay, whose payment notification this is (else a Stripe event). */
      provider?: 'wechatpay' | 'alipay'
      /** The notification says this other amount was paid: refused at the door, nothing written. */
      claims?: number
    }
  | { id: string; type: 'charge.refunded'; publicId: string; created: number; refunds: Refund[] }
  | {
      id: string
      type: 'charge.dispute.created' | 'charge.dispute.closed'
      publicId: string
      created: number
      disputeId: string
      amount: number
      status: 'needs_response' | 'lost' | 'won'
    }

export const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString()

export function applyEvent(s: State, e: ScenarioEvent): string {
  // The amount is checked before the notification id is claimed (and is never claimed).
  if (e.type === 'checkout.session.completed' && e.claims !== undefined) throw new ModelRefusal('amount-mismatch')
  if (s.processedEvents.includes(e.id)) return 'duplicate'
  const at = iso(e.created)
  let outcome: string
  const d = s.donations[e.publicId]!
  if (e.type === 'checkout.session.completed') outcome = fulfil(s, e.publicId, at)
  else {
    // A refund or dispute may overtake the checkout event: the payment is booked first.
    if (d.status === 'pending') fulfil(s, e.publicId, at)
    if (e.type === 'charge.refunded') {
      let booked = 0
      for (const r of e.refunds)
        if (reverse(s, e.publicId, { kind: 'refund', ref: r.id, amount: r.amount }) === 'reversed') booked++
      outcome = booked ? 'refunded' : 'already'
    } else if (e.type === 'charge.dispute.created') {
      if (d.status === 'paid' || d.status === 'partially_refunded') d.status = 'disputed'
      outcome = 'dispute-open'
    } else if (e.status === 'lost')
      outcome = reverse(s, e.publicId, { kind: 'dispute', ref: e.disputeId, amount: e.amount })
    else {
      if (d.status === 'disputed') d.status = d.refunded > 0 ? 'partially_refunded' : 'paid'
      outcome = 'dispute-won'
    }
  }
  s.processedEvents.push(e.id)
  return outcome
}

// ---- award batches, as batches.server.ts decides ----

export function openOnTerm(s: State, beneficiaryId: number, term: string): boolean {
  return (
    s.caps.includes(`${beneficiaryId} ${term}`) ||
    s.batches.some(
      (b) => b.term === term && b.status !== 'rejected' && b.lines.some((l) => l.beneficiaryId === beneficiaryId),
    )
  )
}

/** checkPreparation's refusals in its order; null when the batch would be prepared. */
export function prepareRefusal(
  s: State,
  p: { term: string; fund: string; lines: { beneficiaryId: number; amount: number }[]; awardAmount: number },
): string | null {
  for (const l of p.lines) {
    if (l.amount <= 0 || l.amount > p.awardAmount) return 'batches.error.amount'
    if (openOnTerm(s, l.beneficiaryId, p.term)) return 'batches.error.cap'
  }
  const total = p.lines.reduce((n, l) => n + l.amount, 0)
  return balance(s, p.fund, 'CNY') < total ? 'batches.error.insufficient' : null
}

export function approve(s: State, batchId: number, approver: number): 'approved' | 'awaitingSecond' {
  const b = s.batches.find((x) => x.id === batchId)!
  if (b.status !== 'prepared') throw new ModelRefusal('batches.error.notPrepared')
  if (b.approvals.includes(approver)) throw new ModelRefusal('batches.error.alreadyApproved')
  b.approvals.push(approver)
  if (b.approvals.length < b.required) return 'awaitingSecond'
  for (const l of b.lines) {
    const cap = `${l.beneficiaryId} ${b.term}`
    if (s.caps.includes(cap)) throw new ModelRefusal('batches.error.cap')
    s.caps.push(cap)
    if (balance(s, b.fund, 'CNY') < l.amount) throw new ModelRefusal('batches.error.insufficient')
    for (const x of drawFifo(s, b.fund, 'CNY', l.amount, new Map())) x.lot.remaining -= x.amount
    move(s, b.fund, `payable:beneficiary:${l.beneficiaryId}`, l.amount, 'CNY')
  }
  b.status = 'approved'
  return 'approved'
}

export function payout(s: State, batchId: number): 'paid' {
  const b = s.batches.find((x) => x.id === batchId)!
  if (b.status !== 'approved') throw new ModelRefusal('batches.error.notApproved')
  for (const l of b.lines)
    move(s, `payable:beneficiary:${l.beneficiaryId}`, `paid:beneficiary:${l.beneficiaryId}`, l.amount, 'CNY')
  b.status = 'paid'
  return 'paid'
}

export function reject(s: State, batchId: number): 'rejected' {
  const b = s.batches.find((x) => x.id === batchId)!
  if (b.status !== 'prepared') throw new ModelRefusal('batches.error.notPrepared')
  b.status = 'rejected'
  return 'rejected'
}

/** Run one model operation as a transaction: the new state and its answer, or the refusal and the old state. */
export function attempt<T>(
  s: State,
  op: (draft: State) => T,
): { state: State; result: T } | { state: State; refusal: string } {
  const draft = structuredClone(s)
  try {
    return { state: draft, result: op(draft) }
  } catch (e) {
    if (e instanceof ModelRefusal) return { state: s, refusal: e.reason }
    throw e
  }
}

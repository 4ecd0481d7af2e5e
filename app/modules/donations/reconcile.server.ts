import type { DB } from '~/utils/db.server'
import type { BalanceItem, PaymentProvider, Payout } from '../payments/provider'
import type { WebhookOutcome } from './outcomes'
import { handleWebhook } from './webhook.server'

/**
 * Fulfil events that never reached the webhook (an outage, a misconfigured endpoint):
 * list the provider's recent events and run each unprocessed one through the same handler.
 */
export async function reconcile(db: DB, provider: PaymentProvider, options: { since: Date; limit?: number }) {
  const events = await provider.listRecentEvents({ since: options.since, limit: options.limit ?? 1000 })
  const result = {
    listed: events.length,
    processed: 0,
    alreadyProcessed: 0,
    outcomes: {} as Partial<Record<WebhookOutcome, number>>,
  }
  // Oldest first, as Stripe would have delivered them.
  for (const event of [...events].sort((a, b) => a.created - b.created)) {
    const outcome = await handleWebhook(db, provider, event)
    if (outcome.outcome === 'duplicate') result.alreadyProcessed++
    else {
      result.processed++
      result.outcomes[outcome.outcome] = (result.outcomes[outcome.outcome] ?? 0) + 1
    }
  }
  return result
}

// Payouts against the books: each Stripe payout in a range and the balance transactions it
// settled, matched with our Stripe gifts (by charge id) and their refunds and disputes (by
// the provider's id); every item found on one side only, or with other amounts, is flagged.

export type PayoutFlag = 'notInBooks' | 'notInPayout' | 'amountDiffers'
export type MatchedItem = {
  item: BalanceItem
  /** Our record it settles: a gift, or a refund or dispute of one. */
  ours: { kind: 'donation' | 'refund' | 'dispute'; donationId: number; publicId: string; amount: number } | null
  flag: PayoutFlag | null
}
export type ReconciledPayout = Payout & { items: MatchedItem[] }
export type Unpaid = {
  kind: 'donation' | 'refund' | 'dispute'
  donationId: number
  publicId: string
  ref: string | null
  amount: number
  currency: string
  at: string
}
export type PayoutReconciliation =
  { available: false } | { available: true; payouts: ReconciledPayout[]; notInPayout: Unpaid[]; flagged: number }

const CHARGES = new Set(['charge', 'payment'])
const REFUNDS = new Set(['refund', 'payment_refund'])

/** Payouts created in [from, to) (ISO instants) against our Stripe gifts paid and reversals made in the same range. */
export async function reconcilePayouts(
  db: DB,
  provider: PaymentProvider,
  range: { from: string; to: string },
): Promise<PayoutReconciliation> {
  if (provider.name !== 'stripe' || !provider.listPayouts || !provider.payoutItems) return { available: false }
  const listed = await provider.listPayouts({ since: new Date(range.from), until: new Date(range.to), limit: 100 })
  const payouts: (Payout & { raw: BalanceItem[] })[] = []
  for (const p of listed) payouts.push({ ...p, raw: await provider.payoutItems(p.id) })
  const items = payouts.flatMap((p) => p.raw)
  const sources = (types: Set<string>) => items.filter((i) => types.has(i.type) && i.source).map((i) => i.source!)
  const chargeIds = sources(CHARGES)
  const reversalRefs = [...sources(REFUNDS), ...items.filter((i) => i.source?.startsWith('dp_')).map((i) => i.source!)]

  const gifts = await inChunks(chargeIds, (ids) =>
    db
      .selectFrom('donations')
      .select(['id', 'public_id', 'amount', 'fee_amount', 'currency', 'provider_charge_id'])
      .where('provider_charge_id', 'in', ids)
      .execute(),
  )
  const reversals = await inChunks(reversalRefs, (refs) =>
    db
      .selectFrom('donation_reversals as r')
      .innerJoin('donations as d', 'd.id', 'r.donation_id')
      .select(['r.id', 'r.kind', 'r.provider_ref', 'r.amount', 'r.currency', 'd.id as donation_id', 'd.public_id'])
      .where('r.provider_ref', 'in', refs)
      .execute(),
  )
  const giftBy = new Map(gifts.map((g) => [g.provider_charge_id!, g]))
  const reversalBy = new Map(reversals.map((r) => [r.provider_ref, r]))

  const match = (item: BalanceItem): MatchedItem => {
    if (CHARGES.has(item.type)) {
      const g = item.source ? giftBy.get(item.source) : undefined
      if (!g) return { item, ours: null, flag: 'notInBooks' }
      const ours = { kind: 'donation' as const, donationId: Number(g.id), publicId: g.public_id, amount: g.amount }
      // Amounts compare only in one currency (a settlement in another has no like-for-like figure).
      const same = g.currency === item.currency
      const differs = same && (g.amount !== item.amount || (g.fee_amount !== null && g.fee_amount !== item.fee))
      return { item, ours, flag: differs ? 'amountDiffers' : null }
    }
    if (REFUNDS.has(item.type) || item.source?.startsWith('dp_')) {
      const r = item.source ? reversalBy.get(item.source) : undefined
      if (!r) return { item, ours: null, flag: 'notInBooks' }
      const ours = { kind: r.kind, donationId: Number(r.donation_id), publicId: r.public_id, amount: r.amount }
      const differs = r.currency === item.currency && r.amount !== -item.amount
      return { item, ours, flag: differs ? 'amountDiffers' : null }
    }
    return { item, ours: null, flag: null } // the payout itself, Stripe's own fees: nothing of ours to match
  }
  const reconciled = payouts.map(({ raw, ...p }) => ({ ...p, items: raw.map(match) }))

  // Our side: Stripe gifts paid, and their reversals made, within the range, in no payout listed.
  const settled = new Set([...chargeIds, ...reversalRefs])
  const ourGifts = await db
    .selectFrom('donations')
    .select(['id', 'public_id', 'provider_charge_id', 'amount', 'currency', 'paid_at'])
    .where('provider', '=', 'stripe')
    .where('paid_at', '>=', range.from)
    .where('paid_at', '<', range.to)
    .orderBy('paid_at')
    .execute()
  const ourReversals = await db
    .selectFrom('donation_reversals as r')
    .innerJoin('donations as d', 'd.id', 'r.donation_id')
    .select(['r.kind', 'r.provider_ref', 'r.amount', 'r.currency', 'r.occurred_at', 'd.id', 'd.public_id'])
    .where('d.provider', '=', 'stripe')
    .where('r.occurred_at', '>=', range.from)
    .where('r.occurred_at', '<', range.to)
    .orderBy('r.occurred_at')
    .execute()
  const notInPayout: Unpaid[] = [
    ...ourGifts
      .filter((g) => !g.provider_charge_id || !settled.has(g.provider_charge_id))
      .map((g) => ({
        kind: 'donation' as const,
        donationId: Number(g.id),
        publicId: g.public_id,
        ref: g.provider_charge_id,
        amount: g.amount,
        currency: g.currency,
        at: g.paid_at!,
      })),
    ...ourReversals
      .filter((r) => !settled.has(r.provider_ref))
      .map((r) => ({
        kind: r.kind,
        donationId: Number(r.id),
        publicId: r.public_id,
        ref: r.provider_ref,
        amount: r.amount,
        currency: r.currency,
        at: r.occurred_at,
      })),
  ]
  const flagged = reconciled.flatMap((p) => p.items).filter((i) => i.flag).length + notInPayout.length
  return { available: true, payouts: reconciled, notInPayout, flagged }
}

/** Look ups by a long list of keys, a few hundred at a time (bound parameters are limited). */
async function inChunks<K, R>(keys: K[], run: (chunk: K[]) => Promise<R[]>, size = 500): Promise<R[]> {
  const out: R[] = []
  const unique = [...new Set(keys)]
  for (let i = 0; i < unique.length; i += size) out.push(...(await run(unique.slice(i, i + size))))
  return out
}

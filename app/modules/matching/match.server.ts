// Matching a gift as it is booked, and giving the match back when the gift is refunded or
// lost. Both run in the fulfilment's (or reversal's) database transaction, under the
// ledger's head lock: the caps and the pool's balance are read and the match posted
// with no other posting in between, so a pool never matches more than its fund holds.
import { createHash } from 'node:crypto'
import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { getEnv } from '../../utils/env.server'
import { chinaDate } from '../../utils/i18n'
import { keyedDigest } from '../auth/tokens.server'
import { fundOfMatchPool, getBalance, lockHead, postMatch, postMatchReturn, unspentOfMatch } from '../ledger'
import type { DonationRow } from '../donations/lifecycle.server'
import { isOpen, rawMatch, ruleOf } from './rule.server'

type Trx = Transaction<Database>

/** The donor across gifts: hex SHA-256 of "email:" + the trimmed, lower-cased email. */
export function donorKey(email: string): string {
  return createHash('sha256').update(`email:${email.trim().toLowerCase()}`, 'utf8').digest('hex')
}

/** The key of a phone (E.164) as donations.donor_phone_key keeps it: keyed, so a copy of the database does not list numbers. */
export function phoneKey(phone: string): string {
  return keyedDigest(getEnv().SESSION_SECRET, 'donor-phone', phone)
}

type Donor = { key: string; phone: string | null; day: string }

async function matchedSoFar(trx: Trx, poolId: number, donor?: Donor): Promise<number> {
  let q = trx
    .selectFrom('matching_matches')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>(eb('amount', '-', eb.ref('returned'))), eb.lit(0)).as('n'))
    .where('pool_id', '=', poolId)
  // One donor across emails: the same email, or the same phone where one was given.
  if (donor) {
    const { phone } = donor
    q = q
      .where('china_day', '=', donor.day)
      .where((eb) =>
        phone ? eb.or([eb('donor_key', '=', donor.key), eb('phone_key', '=', phone)]) : eb('donor_key', '=', donor.key),
      )
  }
  return Number((await q.executeTakeFirstOrThrow()).n)
}

export type Matched = { poolId: number; amount: number; sequence: number }
type Gift = { amount: number; paidAt: string }

/** The active pools of these campaigns, each with the campaign it tops up, lowest pool id first. */
export function activePools(trx: Trx, campaignIds: number[]) {
  return trx
    .selectFrom('matching_pools as p')
    .innerJoin('matching_pool_campaigns as c', 'c.pool_id', 'p.id')
    .selectAll('p')
    .select('c.campaign_id')
    .where('c.campaign_id', 'in', campaignIds)
    .where('p.status', '=', 'active')
    .orderBy('p.id')
    .execute()
}

/** Whether a pool of the gift's campaign is asked to match it (then matchGift applies its caps). */
export function mayMatch(
  pool: { campaign_id: number } & Parameters<typeof isOpen>[0],
  donation: Pick<DonationRow, 'designation' | 'campaign_id' | 'currency'>,
  gift: Gift,
): boolean {
  return (
    donation.designation === 'campaign' &&
    pool.campaign_id === donation.campaign_id &&
    pool.currency === donation.currency &&
    isOpen(pool, gift.paidAt) &&
    gift.amount >= pool.min_gift
  )
}

/**
 * The match of a gift just booked (postDonation ran in this transaction), or undefined.
 * The first open pool of the gift's campaign (lowest id) that still gives something
 * matches it; the amount is the rule's, cut by each cap and by the pool's balance.
 */
export async function matchGift(trx: Trx, donation: DonationRow, gift: Gift) {
  if (donation.designation !== 'campaign' || donation.campaign_id === null) return undefined
  const candidates = (await activePools(trx, [donation.campaign_id])).filter((p) => mayMatch(p, donation, gift))
  if (!candidates.length) return undefined
  // The donation's own transaction is the head now: its hash seeds a random match.
  const head = await lockHead(trx)
  const donor: Donor = {
    key: donorKey(donation.donor_email),
    phone: donation.donor_phone_key,
    day: chinaDate(gift.paidAt),
  }
  for (const pool of candidates) {
    const fund = fundOfMatchPool(pool.id)
    const raw = rawMatch(pool, gift.amount, head.hash, donation.public_id)
    // Each limit by its published name; the one that cut the match is written into refs.cut.
    const limits: [string, number][] = [['balance', await getBalance(trx, fund, pool.currency)]]
    if (pool.cap_per_gift !== null) limits.push(['gift', pool.cap_per_gift])
    if (pool.cap_per_donor_day !== null)
      limits.push(['donor_day', pool.cap_per_donor_day - (await matchedSoFar(trx, pool.id, donor))])
    if (pool.cap_total !== null) limits.push(['pool', pool.cap_total - (await matchedSoFar(trx, pool.id))])
    let amount = raw
    let cut = ''
    for (const [name, limit] of limits)
      if (limit < amount) {
        amount = limit
        cut = name
      }
    if (amount <= 0) continue
    const posted = await postMatch(trx, {
      idempotencyKey: `match:${donation.public_id}`,
      pool: fund,
      fund: donation.fund,
      amount,
      currency: pool.currency,
      occurredAt: gift.paidAt,
      giftRef: donation.public_id,
      rule: ruleOf(pool),
      raw,
      cut,
    })
    await trx
      .insertInto('matching_matches')
      .values({
        pool_id: pool.id,
        donation_id: donation.id,
        campaign_id: donation.campaign_id,
        donor_key: donor.key,
        phone_key: donor.phone,
        china_day: donor.day,
        amount,
        currency: pool.currency,
        sequence: posted.sequence,
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.column('donation_id').doNothing())
      .execute()
    return { poolId: pool.id, amount, sequence: posted.sequence } satisfies Matched
  }
  return undefined
}

/**
 * A matched gift refunded (in part or whole) or lost in a dispute: everything still
 * unspent of its match goes back to the pool, one match_return transaction. What was
 * already awarded to students stays with them. Nothing unspent: nothing posted.
 */
export async function returnMatch(trx: Trx, donation: DonationRow, occurredAt: string): Promise<number> {
  const match = await trx
    .selectFrom('matching_matches')
    .select(['id', 'sequence'])
    .where('donation_id', '=', donation.id)
    .executeTakeFirst()
  if (!match) return 0
  const head = await lockHead(trx)
  const unspent = await unspentOfMatch(trx, match.sequence)
  if (unspent === 0) return 0
  await postMatchReturn(trx, {
    idempotencyKey: `match_return:${match.sequence}:${head.sequence}`,
    match: match.sequence,
    occurredAt,
  })
  await trx
    .updateTable('matching_matches')
    .set((eb) => ({ returned: eb('returned', '+', unspent) }))
    .where('id', '=', match.id)
    .execute()
  return unspent
}

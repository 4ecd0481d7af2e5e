// What donors see of matching: the match of their own gift (thank-you page, receipt note,
// trace) and the pools of a campaign (campaign page). Read-only; the amounts are the
// matching_matches rows, written in the same transaction as the match's ledger posting.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { chinaDate, type Locale } from '../../utils/i18n'
import { fundOfMatchPool, getBalance } from '../ledger'
import { nextOpening, isOpen } from './rule.server'

type Db = Kysely<Database>

export type DonorMatch = { amount: number; currency: string; sponsor: string; sequence: number }

const sponsorIn = (p: { sponsor: string; sponsor_en: string }, locale: Locale) =>
  locale === 'en' ? p.sponsor_en || p.sponsor : p.sponsor

/** The match of a gift (by its public id) still standing (what went back to the pool left out), or undefined. */
export async function matchOfGift(db: Db, publicId: string, locale: Locale): Promise<DonorMatch | undefined> {
  const m = await db
    .selectFrom('matching_matches as m')
    .innerJoin('donations as d', 'd.id', 'm.donation_id')
    .innerJoin('matching_pools as p', 'p.id', 'm.pool_id')
    .select(['m.amount', 'm.returned', 'm.currency', 'm.sequence', 'p.sponsor', 'p.sponsor_en'])
    .where('d.public_id', '=', publicId)
    .executeTakeFirst()
  if (!m) return undefined
  const amount = Number(m.amount) - Number(m.returned)
  if (amount <= 0) return undefined
  return { amount, currency: m.currency, sponsor: sponsorIn(m, locale), sequence: Number(m.sequence) }
}

export type CampaignPool = {
  id: number
  name: string
  sponsor: string
  currency: string
  left: number
  minGift: number
  open: boolean
  /** ISO moment it opens next when not open now. */
  nextAt: string | null
}

/**
 * The running pools of a campaign that have not ended, with what is left to match: the
 * pool fund's ledger balance, cut by the pool's overall cap less what it has matched.
 */
export async function campaignPools(db: Db, campaignId: number, locale: Locale, now = new Date()) {
  const pools = await db
    .selectFrom('matching_pools as p')
    .innerJoin('matching_pool_campaigns as c', 'c.pool_id', 'p.id')
    .selectAll('p')
    .where('c.campaign_id', '=', campaignId)
    .where('p.status', '=', 'active')
    .where('p.ends_on', '>=', chinaDate(now))
    .orderBy('p.id')
    .execute()
  const out: CampaignPool[] = []
  for (const p of pools) {
    let left = await getBalance(db, fundOfMatchPool(p.id), p.currency)
    if (p.cap_total !== null) {
      const used = await db
        .selectFrom('matching_matches')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>(eb('amount', '-', eb.ref('returned'))), eb.lit(0)).as('n'))
        .where('pool_id', '=', p.id)
        .executeTakeFirstOrThrow()
      left = Math.min(left, p.cap_total - Number(used.n))
    }
    out.push({
      id: p.id,
      name: locale === 'en' ? p.name_en || p.name : p.name,
      sponsor: sponsorIn(p, locale),
      currency: p.currency,
      left: Math.max(0, left),
      minGift: p.min_gift,
      open: isOpen(p, now),
      nextAt: nextOpening(p, now) ?? null,
    })
  }
  return out
}

import { sql } from 'kysely'
import type { DB } from '~/utils/db.server'
import type { Locale } from '~/utils/i18n'
import { programmeNames, programmesOfCampaigns } from '../programmes/links.server'
import { coverUrl } from './cover.server'

/** Gifts that arrived (and may since have been reversed): they count towards progress. */
export const COUNTED = ['paid', 'partially_refunded', 'refunded', 'disputed'] as const

export type CampaignProgress = { raised: number; donors: number }

/**
 * Raised (gross of fees, net of refunds and disputes) and distinct donors, per campaign.
 * Every public campaign card shows these, so at a million gifts they must not read a
 * million gifts: raised comes from donation_day_totals (kept by triggers on donations:
 * amount and refunds per day, campaign and status) less the disputed amounts (few rows);
 * the donor count is exact for a campaign below DONORS_EXACT_BELOW gifts and, above it,
 * recounted at most every DONORS_RECOUNT_MS (the one figure here that is a distinct count).
 */
export async function campaignProgress(db: DB, campaignIds: number[]): Promise<Map<number, CampaignProgress>> {
  const out = new Map<number, CampaignProgress>()
  if (!campaignIds.length) return out
  const [totals, disputed] = await Promise.all([
    db
      .selectFrom('donation_day_totals')
      .select(['campaign_id', sql<number>`sum(amount - refunded)`.as('raised'), sql<number>`sum(count)`.as('gifts')])
      .where('campaign_id', 'in', campaignIds)
      .where('status', 'in', COUNTED)
      .groupBy('campaign_id')
      .execute(),
    db
      .selectFrom('donation_reversals as r')
      .innerJoin('donations as d', 'd.id', 'r.donation_id')
      .select(['d.campaign_id', sql<number>`sum(r.amount)`.as('amount')])
      .where('r.kind', '=', 'dispute')
      .where('d.campaign_id', 'in', campaignIds)
      .where('d.status', 'in', COUNTED)
      .groupBy('d.campaign_id')
      .execute(),
  ])
  const gifts = new Map(totals.map((t) => [t.campaign_id, Number(t.gifts)]))
  const donors = await donorCounts(
    db,
    campaignIds.map((id) => ({ id, gifts: gifts.get(id) ?? 0 })),
  )
  for (const id of campaignIds) out.set(id, { raised: 0, donors: donors.get(id) ?? 0 })
  for (const t of totals) out.get(t.campaign_id)!.raised = Number(t.raised)
  for (const d of disputed) out.get(d.campaign_id!)!.raised -= Number(d.amount)
  return out
}

const DONORS_EXACT_BELOW = 20_000
const DONORS_RECOUNT_MS = 30_000
// Per database (tests open several in one process), per campaign.
const donorCaches = new WeakMap<DB, Map<number, { gifts: number; donors: number; at: number }>>()

/** Distinct donor emails of each campaign's counted gifts (see campaignProgress for when it is recounted). */
async function donorCounts(db: DB, campaigns: { id: number; gifts: number }[]): Promise<Map<number, number>> {
  const out = new Map<number, number>()
  const now = Date.now()
  let donorCache = donorCaches.get(db)
  if (!donorCache) donorCaches.set(db, (donorCache = new Map()))
  const stale: number[] = []
  for (const c of campaigns) {
    const cached = donorCache.get(c.id)
    const fresh =
      cached && (cached.gifts === c.gifts || (c.gifts >= DONORS_EXACT_BELOW && now - cached.at < DONORS_RECOUNT_MS))
    if (fresh) out.set(c.id, cached.donors)
    else if (c.gifts) stale.push(c.id)
    else out.set(c.id, 0)
  }
  if (!stale.length) return out
  const rows = await db
    .selectFrom('donations')
    .select(['campaign_id', sql<number>`count(distinct donor_email)`.as('donors')])
    .where('campaign_id', 'in', stale)
    .where('status', 'in', COUNTED)
    .groupBy('campaign_id')
    .execute()
  const counted = new Map(rows.map((r) => [r.campaign_id!, Number(r.donors)]))
  for (const c of campaigns) {
    if (!stale.includes(c.id)) continue
    const donors = counted.get(c.id) ?? 0
    donorCache.set(c.id, { gifts: c.gifts, donors, at: now })
    out.set(c.id, donors)
  }
  return out
}

/**
 * The same sums grouped by team page (app/modules/teams), read from the gifts: a team's
 * gifts are few beside a campaign's (campaigns read their totals, campaignProgress).
 */
export async function giftProgress(
  db: DB,
  by: 'campaign_id' | 'team_id',
  ids: number[],
): Promise<Map<number, CampaignProgress>> {
  const out = new Map<number, CampaignProgress>()
  if (!ids.length) return out
  const rows = await db
    .selectFrom('donations')
    .leftJoin(
      db
        .selectFrom('donation_reversals')
        .select(['donation_id', sql<number>`sum(amount)`.as('reversed')])
        .groupBy('donation_id')
        .as('r'),
      'r.donation_id',
      'donations.id',
    )
    .select([
      `donations.${by} as key`,
      sql<number>`sum(donations.amount - coalesce(r.reversed, 0))`.as('raised'),
      sql<number>`count(distinct donations.donor_email)`.as('donors'),
    ])
    .where(`donations.${by}`, 'in', ids)
    .where('donations.status', 'in', COUNTED)
    .groupBy(`donations.${by}`)
    .execute()
  for (const id of ids) out.set(id, { raised: 0, donors: 0 })
  for (const r of rows) out.set(Number(r.key), { raised: Number(r.raised), donors: Number(r.donors) })
  return out
}

/** A campaign's public page; a draft only with includeDraft (the staff preview). */
export async function getCampaignBySlug(
  db: DB,
  slug: string,
  locale: Locale,
  options: { includeDraft?: boolean } = {},
) {
  const c = await db
    .selectFrom('campaigns')
    .select([
      'campaigns.id',
      'campaigns.slug',
      'campaigns.title',
      'campaigns.title_en',
      'campaigns.summary',
      'campaigns.summary_en',
      'campaigns.story',
      'campaigns.story_en',
      'campaigns.goal_amount',
      'campaigns.currency',
      'campaigns.status',
      'campaigns.starts_at',
      'campaigns.ends_at',
      'campaigns.cover_path',
      'campaigns.suggested_amounts',
      'campaigns.plan_purpose',
      'campaigns.plan_region',
      'campaigns.plan_responsible',
      'campaigns.plan_receiving',
      'campaigns.plan_beneficiaries',
      'campaigns.plan_use_of_funds',
      'campaigns.plan_cost',
      'campaigns.plan_leftover',
      'campaigns.filing_number',
    ])
    .where('campaigns.slug', '=', slug)
    .where('campaigns.status', 'in', options.includeDraft ? ['draft', 'active', 'closed'] : ['active', 'closed'])
    .executeTakeFirst()
  if (!c) return undefined
  const en = locale === 'en'
  const progress = (await campaignProgress(db, [c.id])).get(c.id)!
  // Public names only: display_name is already masked by the donor's choice (full, family name, 爱心人士).
  const recent = await db
    .selectFrom('donations')
    .select(['public_id', 'display_name', 'amount', 'currency', 'paid_at'])
    .where('campaign_id', '=', c.id)
    .where('status', 'in', COUNTED)
    .orderBy('paid_at', 'desc')
    .orderBy('id', 'desc')
    .limit(10)
    .execute()
  return {
    id: c.id,
    slug: c.slug,
    // English is optional: an empty translation falls back to the Chinese.
    title: (en && c.title_en) || c.title,
    summary: (en && c.summary_en) || c.summary,
    story: (en && c.story_en) || c.story,
    goalAmount: c.goal_amount,
    currency: c.currency,
    status: c.status,
    startsAt: c.starts_at,
    endsAt: c.ends_at,
    cover: coverUrl(c.cover_path),
    suggestedAmounts: JSON.parse(c.suggested_amounts) as number[],
    plan: {
      planPurpose: c.plan_purpose,
      planRegion: c.plan_region,
      planResponsible: c.plan_responsible,
      planReceiving: c.plan_receiving,
      planBeneficiaries: c.plan_beneficiaries,
      planUseOfFunds: c.plan_use_of_funds,
      planCost: c.plan_cost,
      planLeftover: c.plan_leftover,
      filingNumber: c.filing_number,
    },
    programmeName: programmeNames((await programmesOfCampaigns(db, [c.id])).get(c.id) ?? [], locale),
    ...progress,
    recent,
  }
}

export function daysLeft(endsAt: string | null, now = new Date()): number | null {
  if (!endsAt) return null
  return Math.max(0, Math.ceil((new Date(endsAt).getTime() - now.getTime()) / 86_400_000))
}

/** The most public status among campaigns using this cover file (drafts' covers are staff-only). */
export async function coverVisibility(db: DB, fileName: string): Promise<'public' | 'draft' | null> {
  const rows = await db
    .selectFrom('campaigns')
    .select('status')
    .where('cover_path', '=', `covers/${fileName}`)
    .execute()
  if (rows.some((r) => r.status !== 'draft')) return 'public'
  return rows.length ? 'draft' : null
}

import { sql } from 'kysely'
import type { DB } from '~/utils/db.server'
import type { Locale } from '~/utils/i18n'
import { programmeNames, programmesOfCampaigns } from '../programmes/links.server'
import { coverUrl } from './cover.server'

/** Gifts that arrived (and may since have been reversed): they count towards progress. */
export const COUNTED = ['paid', 'partially_refunded', 'refunded', 'disputed'] as const

export type CampaignProgress = { raised: number; donors: number }

/** Raised (gross of fees, net of refunds and disputes) and distinct donors, per campaign. */
export function campaignProgress(db: DB, campaignIds: number[]): Promise<Map<number, CampaignProgress>> {
  return giftProgress(db, 'campaign_id', campaignIds)
}

/** The same sums grouped by campaign or by team page (app/modules/teams): one rule for both. */
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

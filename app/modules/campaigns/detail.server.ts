import { sql } from 'kysely'
import type { DB } from '~/utils/db.server'
import type { Locale } from '~/utils/i18n'

const COUNTED = ['paid', 'partially_refunded', 'refunded', 'disputed'] as const

export type CampaignProgress = { raised: number; donors: number }

/** Raised (gross of fees, net of refunds and disputes) and distinct donors, per campaign. */
export async function campaignProgress(db: DB, campaignIds: number[]): Promise<Map<number, CampaignProgress>> {
  const out = new Map<number, CampaignProgress>()
  if (!campaignIds.length) return out
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
      'donations.campaign_id',
      sql<number>`sum(donations.amount - coalesce(r.reversed, 0))`.as('raised'),
      sql<number>`count(distinct donations.donor_email)`.as('donors'),
    ])
    .where('donations.campaign_id', 'in', campaignIds)
    .where('donations.status', 'in', COUNTED)
    .groupBy('donations.campaign_id')
    .execute()
  for (const id of campaignIds) out.set(id, { raised: 0, donors: 0 })
  for (const r of rows) out.set(r.campaign_id!, { raised: Number(r.raised), donors: Number(r.donors) })
  return out
}

export async function getCampaignBySlug(db: DB, slug: string, locale: Locale) {
  const c = await db
    .selectFrom('campaigns')
    .leftJoin('programmes', 'programmes.id', 'campaigns.programme_id')
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
      'programmes.name as programme_name',
      'programmes.name_en as programme_name_en',
    ])
    .where('campaigns.slug', '=', slug)
    .where('campaigns.status', '!=', 'draft')
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
    title: en ? c.title_en : c.title,
    summary: en ? c.summary_en : c.summary,
    story: en ? c.story_en : c.story,
    goalAmount: c.goal_amount,
    currency: c.currency,
    status: c.status,
    endsAt: c.ends_at,
    programmeName: (en ? c.programme_name_en : c.programme_name) ?? null,
    ...progress,
    recent,
  }
}

export function daysLeft(endsAt: string | null, now = new Date()): number | null {
  if (!endsAt) return null
  return Math.max(0, Math.ceil((new Date(endsAt).getTime() - now.getTime()) / 86_400_000))
}

import type { DB } from '~/utils/db.server'
import type { Locale } from '~/utils/i18n'
import { programmeNames, programmesOfCampaigns } from '../programmes/links.server'
import { campaignProgress } from './detail.server'
import { campaignEnded } from './open'

export type CampaignCard = {
  id: number
  slug: string
  title: string
  summary: string
  goalAmount: number
  currency: string
  endsAt: string | null
  programmeName: string | null
  raised: number
  donors: number
  suggestedAmounts: number[]
}

/** Active campaigns for public pages, in the reader's language, newest first. */
export async function listActiveCampaigns(db: DB, { locale }: { locale: Locale }): Promise<CampaignCard[]> {
  const rows = await db
    .selectFrom('campaigns')
    .select([
      'campaigns.id',
      'campaigns.slug',
      'campaigns.title',
      'campaigns.title_en',
      'campaigns.summary',
      'campaigns.summary_en',
      'campaigns.goal_amount',
      'campaigns.currency',
      'campaigns.ends_at',
      'campaigns.suggested_amounts',
    ])
    .where('campaigns.status', '=', 'active')
    .orderBy('campaigns.starts_at', 'desc')
    .orderBy('campaigns.id', 'desc')
    .execute()
  const en = locale === 'en'
  const ids = rows.map((r) => r.id)
  const progress = await campaignProgress(db, ids)
  const programmes = await programmesOfCampaigns(db, ids)
  return rows.map((r) => ({
    ...progress.get(r.id)!,
    id: r.id,
    slug: r.slug,
    title: (en && r.title_en) || r.title,
    summary: (en && r.summary_en) || r.summary,
    goalAmount: r.goal_amount,
    currency: r.currency,
    endsAt: r.ends_at,
    suggestedAmounts: JSON.parse(r.suggested_amounts) as number[],
    programmeName: programmeNames(programmes.get(r.id) ?? [], locale),
  }))
}

/**
 * Whether a campaign by slug takes gifts now: 'open', 'closed' (by staff) or 'ended' (its end
 * date in China time is past), with its end; undefined for a draft or no such campaign.
 */
export async function publicCampaignWindow(
  db: DB,
  slug: string,
  now = new Date(),
): Promise<{ state: 'open' | 'closed' | 'ended'; endsAt: string | null } | undefined> {
  const row = await db.selectFrom('campaigns').select(['status', 'ends_at']).where('slug', '=', slug).executeTakeFirst()
  if (!row || row.status === 'draft') return undefined
  const state = row.status === 'closed' ? 'closed' : campaignEnded(row, now) ? 'ended' : 'open'
  return { state, endsAt: row.ends_at }
}

import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { translator } from '~/utils/i18n'
import { campaignInScope } from '../campaigns/updates.server'
import { disclosureCalendar, worstStatus, type DisclosureItem, type DisclosureStatus } from './calendar'

// The disclosure calendar of every non-draft campaign in the caller's scope, from the
// published reports and the approved progress updates (see calendar.ts for the rules).

export type CampaignCalendar = {
  campaign: { id: number; slug: string; title: string; titleEn: string }
  items: DisclosureItem[]
  worst: DisclosureStatus
}

const RANK: Record<DisclosureStatus, number> = { overdue: 0, due: 1, upcoming: 2, done: 3 }

export async function disclosureCalendars(
  db: Kysely<Database>,
  scope: readonly string[],
  now = new Date(),
): Promise<CampaignCalendar[]> {
  const campaigns = (
    await db
      .selectFrom('campaigns as c')
      .leftJoin('stations as s', 's.id', 'c.station_id')
      .select(['c.id', 'c.slug', 'c.title', 'c.title_en', 'c.starts_at', 'c.ends_at', 'c.status', 's.path'])
      .where('c.status', '!=', 'draft')
      .orderBy('c.id')
      .execute()
  ).filter((c) => campaignInScope(scope, c.path))
  if (campaigns.length === 0) return []
  const ids = campaigns.map((c) => Number(c.id))
  const reports = await db
    .selectFrom('disclosure_reports')
    .select(['campaign_id', 'final', 'published_at'])
    .where('campaign_id', 'in', ids)
    .execute()
  const updates = await db
    .selectFrom('campaign_updates')
    .select(['campaign_id', 'approved_at'])
    .where('campaign_id', 'in', ids)
    .where('status', '=', 'approved')
    .execute()
  return campaigns
    .map((c) => {
      const id = Number(c.id)
      const items = disclosureCalendar(
        { startsAt: c.starts_at, endsAt: c.ends_at, status: c.status },
        reports
          .filter((r) => Number(r.campaign_id) === id)
          .map((r) => ({ publishedAt: r.published_at, final: Number(r.final) === 1 })),
        updates
          .filter((u) => Number(u.campaign_id) === id && u.approved_at)
          .map((u) => ({ approvedAt: u.approved_at! })),
        now,
      )
      return { campaign: { id, slug: c.slug, title: c.title, titleEn: c.title_en }, items, worst: worstStatus(items) }
    })
    .sort((a, b) => RANK[a.worst] - RANK[b.worst] || a.campaign.id - b.campaign.id)
}

/** The staff home's list: each overdue or soon-due item, worst first, labelled in both languages. */
export async function disclosuresWaiting(db: Kysely<Database>, scope: readonly string[], now = new Date()) {
  const zh = translator('zh-CN')
  const en = translator('en')
  const label = (t: typeof zh, i: DisclosureItem) =>
    i.kind === 'quarterly' ? t('calendar.kind.quarterly', { number: i.number }) : t(`calendar.kind.${i.kind}`)
  return (await disclosureCalendars(db, scope, now))
    .flatMap((c) =>
      c.items
        .filter((i) => i.status === 'overdue' || i.status === 'due')
        .map((i) => ({
          id:
            c.campaign.id * 1000 +
            (i.kind === 'quarterly' ? i.number : { final: 990, leftover: 991, silence: 992 }[i.kind]),
          href: '/admin/reports#calendar',
          label: `${c.campaign.title} · ${label(zh, i)}`,
          labelEn: `${c.campaign.titleEn} · ${label(en, i)}`,
          at: `${i.dueOn}T12:00:00+08:00`,
          overdue: i.status === 'overdue',
        })),
    )
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.at.localeCompare(b.at))
    .slice(0, 20)
}

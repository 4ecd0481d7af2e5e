import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { CampaignUpdates } from '~/components/campaign-updates'
import { CampaignProgress } from '~/components/progress-bar'
import { CampaignPlan } from '~/components/campaign-plan'
import { TeamLeaderboard } from '~/components/team-leaderboard'
import { CampaignPools } from '~/components/campaign-pools'
import { campaignPools } from '~/modules/matching/donor.server'
import { teamLeaderboard } from '~/modules/teams/teams.server'
import { getStaffUser, stationScope } from '~/modules/auth/authorize.server'
import { getCampaignForStaff } from '~/modules/campaigns/admin.server'
import { daysLeft, getCampaignBySlug } from '~/modules/campaigns/detail.server'
import { publicUpdates } from '~/modules/campaigns/updates.server'
import { getDb } from '~/utils/db.server'
import { shownName } from '~/modules/donations/display-name'
import { formatDate, isLocale, resolveLocale, translator } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { notFound } from '~/utils/http.server'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = getDb()
  const locale = resolveLocale(request)
  let campaign = await getCampaignBySlug(db, params.slug ?? '', locale)
  let preview = false
  // A draft is seen only by staff who manage it (the preview linked from /admin/campaigns).
  if (!campaign && new URL(request.url).searchParams.has('preview')) {
    const staff = await getStaffUser(request, db)
    const draft = staff && (await getCampaignBySlug(db, params.slug ?? '', locale, { includeDraft: true }))
    if (staff && draft && (await getCampaignForStaff(db, stationScope(staff, 'campaigns.manage'), draft.id))) {
      campaign = draft
      preview = true
    }
  }
  if (!campaign) throw notFound()
  return {
    campaign,
    preview,
    daysLeft: daysLeft(campaign.endsAt),
    updates: await publicUpdates(db, campaign.id),
    teams: await teamLeaderboard(db, campaign.id),
    pools: await campaignPools(db, campaign.id, locale),
  }
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  const locale = (matches[0]?.data as { locale?: unknown } | undefined)?.locale
  const t = translator(isLocale(locale) ? locale : 'zh-CN')
  return [{ title: data ? `${data.campaign.title} · ${t('app.name')}` : t('app.name') }]
}

export default function CampaignPage() {
  const { campaign: c, daysLeft, preview, updates, teams, pools } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  const open = c.status === 'active' && daysLeft !== 0
  return (
    <article>
      {preview ? (
        <p className="demo-banner" role="status">
          {t('campaigns.previewBanner')}
        </p>
      ) : null}
      {c.cover ? <img className="campaign-cover" src={c.cover} alt="" width={1200} /> : null}
      <header className="campaign-header">
        <h1>{c.title}</h1>
        {c.programmeName ? <p className="tag">{t('campaigns.funds', { programme: c.programmeName })}</p> : null}
        <p>{c.summary}</p>
      </header>
      <div className="campaign-layout">
        <section aria-labelledby="story">
          <h2 id="story">{t('campaigns.story')}</h2>
          {c.story.split(/\n{2,}/).map((para, i) => (
            <p key={i}>{para}</p>
          ))}
          <CampaignPlan plan={c.plan} />
          <CampaignUpdates updates={updates} />
          <TeamLeaderboard teams={teams} slug={c.slug} open={open && !preview} />
        </section>
        <aside className="card">
          <CampaignProgress raised={c.raised} goal={c.goalAmount} currency={c.currency} donors={c.donors} />
          <p className="muted">
            {open && daysLeft !== null
              ? t('campaign.daysLeft', { days: daysLeft })
              : !open
                ? t('campaign.ended')
                : null}
            {c.endsAt ? ` · ${t('campaigns.endsOn', { date: formatDate(c.endsAt, locale) })}` : null}
          </p>
          {c.status === 'closed' ? <p role="status">{t('campaigns.closedNotice')}</p> : null}
          {open ? <CampaignPools pools={pools} /> : null}
          {open && !preview ? (
            <Link className="button" to={`/donate?campaign=${c.slug}`}>
              {t('campaign.donate')}
            </Link>
          ) : null}
          <h2>{t('campaigns.recentGifts')}</h2>
          {c.recent.length === 0 ? (
            <p className="muted">{t('campaigns.noGifts')}</p>
          ) : (
            <ul className="gift-list">
              {c.recent.map((g) => (
                <li key={g.public_id}>
                  <span>{shownName(g.display_name, locale)}</span>
                  <span>
                    {formatMoney(g.amount, g.currency, locale)}
                    {g.paid_at ? <span className="muted"> · {formatDate(g.paid_at, locale)}</span> : null}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </aside>
      </div>
    </article>
  )
}

import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { CampaignProgress } from '~/components/progress-bar'
import { shownName } from '~/modules/donations/display-name'
import { TeamCode } from '~/modules/teams/schema'
import { publicTeam } from '~/modules/teams/teams.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { notFound } from '~/utils/http.server'
import { formatDate, isLocale, resolveLocale, translator } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

// A team page (一起捐): its goal and progress, its supporters by their chosen public names,
// a share card (Open Graph) and a QR poster. Unknown and hidden pages are a plain 404.

export async function loader({ request, params }: LoaderFunctionArgs) {
  const code = TeamCode.safeParse(params.code ?? '')
  if (!code.success) throw notFound()
  const team = await publicTeam(getDb(), code.data, resolveLocale(request))
  if (!team) throw notFound()
  const url = new URL(`/teams/${team.code}`, getEnv().BASE_URL).toString()
  return { team, url, poster: `${url}/poster.svg` }
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  const locale = (matches[0]?.data as { locale?: unknown } | undefined)?.locale
  const t = translator(isLocale(locale) ? locale : 'zh-CN')
  if (!data) return [{ title: t('app.name') }]
  const title = `${data.team.title} · ${t('teams.kind')} · ${t('app.name')}`
  const description = data.team.message || t('teams.shareDescription', { campaign: data.team.campaign.title })
  return [
    { title },
    { name: 'description', content: description },
    { property: 'og:type', content: 'website' },
    { property: 'og:title', content: title },
    { property: 'og:description', content: description },
    { property: 'og:url', content: data.url },
    { property: 'og:image', content: data.poster },
  ]
}

export default function TeamPage() {
  const { team } = useLoaderData<typeof loader>()
  const [search] = useSearchParams()
  const t = useT()
  const locale = useLocale()
  return (
    <article>
      {search.get('created') ? <p role="status">{t('teams.created')}</p> : null}
      <header className="campaign-header">
        <p className="tag">{t('teams.kind')}</p>
        <h1>{team.title}</h1>
        <p>
          {t('teams.for')} <Link to={`/campaigns/${team.campaign.slug}`}>{team.campaign.title}</Link>
        </p>
        <p className="muted">
          {t('teams.startedBy', { name: shownName(team.ownerName, locale) })}
          {team.station ? ` · ${team.station}` : null}
        </p>
      </header>
      <div className="campaign-layout">
        <section aria-labelledby="team-message">
          <h2 id="team-message">{t('teams.message')}</h2>
          {team.message ? <p>{team.message}</p> : <p className="muted">{t('teams.noMessage')}</p>}
          <h2>{t('teams.share')}</h2>
          <p>
            <a href={`/teams/${team.code}/poster.svg`} download={`${team.code}.svg`}>
              {t('teams.poster')}
            </a>
          </p>
          <img className="team-poster" src={`/teams/${team.code}/poster.svg`} alt={t('teams.posterAlt')} width={240} />
        </section>
        <aside className="card">
          <CampaignProgress raised={team.raised} goal={team.goalAmount} currency={team.currency} donors={team.donors} />
          {team.open ? (
            <Link className="button" to={`/donate?campaign=${team.campaign.slug}&team=${team.code}`}>
              {t('teams.give')}
            </Link>
          ) : (
            <p role="status">{t('teams.closed')}</p>
          )}
          <h2>{t('teams.supporters')}</h2>
          {team.supporters.length === 0 ? (
            <p className="muted">{t('teams.noSupporters')}</p>
          ) : (
            <ul className="gift-list" data-testid="team-supporters">
              {team.supporters.map((s) => (
                <li key={s.id}>
                  <span>{shownName(s.name, locale)}</span>
                  <span>
                    {formatMoney(s.amount, s.currency, locale)}
                    {s.paidAt ? <span className="muted"> · {formatDate(s.paidAt, locale)}</span> : null}
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

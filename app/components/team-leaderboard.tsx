import { Link } from '@remix-run/react'
import { shownName } from '~/modules/donations/display-name'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

type Team = { code: string; title: string; ownerName: string; raised: number; goalAmount: number; currency: string }

/** The campaign page's team leaderboard (一起捐), and the way to start a page. */
export function TeamLeaderboard({ teams, slug, open }: { teams: Team[]; slug: string; open: boolean }) {
  const t = useT()
  const locale = useLocale()
  if (!teams.length && !open) return null
  return (
    <section aria-labelledby="teams-board">
      <h2 id="teams-board">{t('teams.leaderboard')}</h2>
      {teams.length === 0 ? <p className="muted">{t('teams.noTeams')}</p> : null}
      <ol className="gift-list" data-testid="team-leaderboard">
        {teams.map((team) => (
          <li key={team.code}>
            <span>
              <Link to={`/teams/${team.code}`}>{team.title}</Link>{' '}
              <span className="muted">· {shownName(team.ownerName, locale)}</span>
            </span>
            <span>
              {formatMoney(team.raised, team.currency, locale)}
              <span className="muted"> / {formatMoney(team.goalAmount, team.currency, locale)}</span>
            </span>
          </li>
        ))}
      </ol>
      {open ? (
        <p>
          <Link to={`/donor/teams?campaign=${slug}`}>{t('teams.start')}</Link>
        </p>
      ) : null}
    </section>
  )
}

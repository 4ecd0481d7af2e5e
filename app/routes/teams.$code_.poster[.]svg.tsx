import type { LoaderFunctionArgs } from '@remix-run/node'
import { teamPosterSvg } from '~/modules/teams/poster.server'
import { TeamCode } from '~/modules/teams/schema'
import { publicTeam } from '~/modules/teams/teams.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { notFound } from '~/utils/http.server'
import { resolveLocale, translator } from '~/utils/i18n'

// The team page's share poster (SVG with a QR code of the page). Hidden pages have none.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const code = TeamCode.safeParse(params.code ?? '')
  if (!code.success) throw notFound()
  const locale = resolveLocale(request)
  const team = await publicTeam(getDb(), code.data, locale)
  if (!team) throw notFound()
  const t = translator(locale)
  const url = new URL(`/teams/${team.code}`, getEnv().BASE_URL).toString()
  const svg = await teamPosterSvg(team, url, { scan: t('teams.posterScan'), goal: t('campaign.goal') })
  return new Response(svg, {
    headers: {
      'Content-Type': 'image/svg+xml; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}

import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { CampaignProgress } from '~/components/progress-bar'
import { listActiveCampaigns } from '~/modules/campaigns/queries.server'
import { getDb } from '~/utils/db.server'
import { resolveLocale, pageTitle } from '~/utils/i18n'
import { useT } from '~/utils/locale'

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, 'campaigns.title') }]

export async function loader({ request }: LoaderFunctionArgs) {
  return { campaigns: await listActiveCampaigns(getDb(), { locale: resolveLocale(request) }) }
}

export default function Campaigns() {
  const { campaigns } = useLoaderData<typeof loader>()
  const t = useT()
  return (
    <section>
      <h1>{t('campaigns.title')}</h1>
      <ul className="card-grid">
        {campaigns.map((c) => (
          <li key={c.id} className="card">
            <h2>
              <Link to={`/campaigns/${c.slug}`}>{c.title}</Link>
            </h2>
            {c.programmeName ? <p className="tag">{c.programmeName}</p> : null}
            <p>{c.summary}</p>
            <CampaignProgress raised={c.raised} goal={c.goalAmount} currency={c.currency} donors={c.donors} />
          </li>
        ))}
      </ul>
    </section>
  )
}

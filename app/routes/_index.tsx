import type { LoaderFunctionArgs } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { CampaignProgress } from '~/components/progress-bar'
import { listActiveCampaigns } from '~/modules/campaigns/queries.server'
import { getDb } from '~/utils/db.server'
import { resolveLocale } from '~/utils/i18n'
import { useT } from '~/utils/locale'

export async function loader({ request }: LoaderFunctionArgs) {
  const locale = resolveLocale(request)
  return { campaigns: await listActiveCampaigns(getDb(), { locale }) }
}

export default function Home() {
  const { campaigns } = useLoaderData<typeof loader>()
  const t = useT()
  return (
    <>
      <section className="hero">
        <h1>{t('home.heroTitle')}</h1>
        <p>{t('home.heroBody')}</p>
      </section>
      <section aria-labelledby="campaigns-title">
        <h2 id="campaigns-title">{t('home.campaignsTitle')}</h2>
        {campaigns.length === 0 ? (
          <p className="muted">{t('home.noCampaigns')}</p>
        ) : (
          <ul className="card-grid">
            {campaigns.map((c) => (
              <li key={c.id} className="card">
                <h3>
                  <Link to={`/campaigns/${c.slug}`}>{c.title}</Link>
                </h3>
                {c.programmeName ? <p className="tag">{c.programmeName}</p> : null}
                <p>{c.summary}</p>
                <CampaignProgress raised={c.raised} goal={c.goalAmount} currency={c.currency} donors={c.donors} />
                <Link className="button" to={`/donate?campaign=${c.slug}`}>
                  {t('campaign.donate')}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="ways-title">
        <h2 id="ways-title">{t('home.waysTitle')}</h2>
        <ul className="card-grid">
          <li className="card">
            <h3>
              <Link to="/wishes">{t('wishes.title')}</Link>
            </h3>
            <p>{t('wishes.intro')}</p>
          </li>
          <li className="card">
            <h3>
              <Link to="/sponsor">{t('sponsor.title')}</Link>
            </h3>
            <p>{t('home.sponsorBody')}</p>
          </li>
        </ul>
      </section>
    </>
  )
}

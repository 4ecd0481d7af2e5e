import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { publicCampaignOptions } from '~/modules/transparency/campaigns.server'
import { publicPageHeaders } from '~/modules/transparency/http'
import { DATASETS, ExportQuery, parseQuery } from '~/modules/transparency/schema'
import { getDb } from '~/utils/db.server'
import { resolveLocale, translator, type Locale } from '~/utils/i18n'
import { useT } from '~/utils/locale'

export async function loader({ request }: LoaderFunctionArgs) {
  const { query } = parseQuery(ExportQuery, new URL(request.url))
  return { query, campaigns: await publicCampaignOptions(getDb(), resolveLocale(request)) }
}

export const headers = () => publicPageHeaders()

export const meta: MetaFunction = ({ matches }) => {
  const t = translator(((matches[0]?.data as { locale?: Locale } | undefined)?.locale ?? 'zh-CN') as Locale)
  return [{ title: `${t('open.title')} · ${t('app.name')}` }]
}

const API = [
  '/api/v1/totals',
  '/api/v1/campaigns',
  '/api/v1/transactions?limit=20',
  '/api/v1/transactions/1',
  '/api/v1/traces/<donation>',
]

export default function OpenData() {
  const { query, campaigns } = useLoaderData<typeof loader>()
  const t = useT()
  const filtered = Boolean(query.campaign || query.from || query.to)
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v) as [string, string][]).toString()
  return (
    <article>
      <header className="page-header">
        <h1>{t('open.title')}</h1>
        <p>{t('open.intro')}</p>
        <p>
          <a href="/open-data.md">{t('open.doc')}</a>
        </p>
        <p id="excel">{t('open.excel')}</p>
      </header>
      <section aria-labelledby="whole">
        <h2 id="whole">{t('open.whole')}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('open.dataset')}</th>
              <th scope="col">CSV</th>
              <th scope="col">JSON Lines</th>
            </tr>
          </thead>
          <tbody>
            {DATASETS.map((d) => (
              <tr key={d}>
                <th scope="row">{t(`open.ds.${d}`)}</th>
                <td>
                  <a href={`/open-data/${d}.csv`} download>{`${d}.csv`}</a>
                </td>
                <td>
                  <a href={`/open-data/${d}.jsonl`} download>{`${d}.jsonl`}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="filtered">
        <h2 id="filtered">{t('open.filtered')}</h2>
        <p className="muted">{t('open.filterNote')}</p>
        <Form method="get" className="filters">
          <div className="field">
            <label htmlFor="o-campaign">{t('ledger.campaign')}</label>
            <select id="o-campaign" name="campaign" defaultValue={query.campaign ?? ''}>
              <option value="">{t('ledger.anyCampaign')}</option>
              {campaigns.map((c) => (
                <option key={c.slug} value={c.slug}>
                  {c.title}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="o-from">{t('ledger.from')}</label>
            <input id="o-from" type="date" name="from" defaultValue={query.from ?? ''} />
          </div>
          <div className="field">
            <label htmlFor="o-to">{t('ledger.to')}</label>
            <input id="o-to" type="date" name="to" defaultValue={query.to ?? ''} />
          </div>
          <div className="filter-actions">
            <button type="submit" className="button">
              {t('open.download')}
            </button>
          </div>
        </Form>
        {filtered ? (
          <>
            <h3>{t('open.links')}</h3>
            <ul>
              {DATASETS.filter((d) => d !== 'accounts').flatMap((d) =>
                ['csv', 'jsonl'].map((f) => (
                  <li key={`${d}.${f}`}>
                    <a href={`/open-data/${d}.${f}?${qs}`} download>{`${d}.${f}?${qs}`}</a>
                  </li>
                )),
              )}
            </ul>
          </>
        ) : null}
      </section>
      <section aria-labelledby="api">
        <h2 id="api">{t('open.api')}</h2>
        <p className="muted">{t('open.apiNote')}</p>
        <ul>
          {API.map((a) => (
            <li key={a}>
              <code>GET {a}</code>
            </li>
          ))}
        </ul>
      </section>
    </article>
  )
}

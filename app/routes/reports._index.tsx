import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { publicPageHeaders } from '~/modules/transparency/http'
import { listReports } from '~/modules/transparency/reports.server'
import { getDb } from '~/utils/db.server'
import { translator, type Locale, formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { z } from 'zod'

const Query = z.object({
  campaign: z
    .string()
    .regex(/^[a-z0-9-]{1,80}$/)
    .optional()
    .catch(undefined),
})

export async function loader({ request }: LoaderFunctionArgs) {
  const { campaign } = Query.parse(Object.fromEntries(new URL(request.url).searchParams))
  return { reports: await listReports(getDb(), campaign) }
}

export const headers = () => publicPageHeaders()

export const meta: MetaFunction = ({ matches }) => {
  const t = translator(((matches[0]?.data as { locale?: Locale } | undefined)?.locale ?? 'zh-CN') as Locale)
  return [{ title: `${t('tp.report.title')} · ${t('app.name')}` }]
}

export default function Reports() {
  const { reports } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  return (
    <article>
      <header className="page-header">
        <h1>{t('tp.report.title')}</h1>
        <p>{t('tp.report.intro')}</p>
      </header>
      {reports.length === 0 ? (
        <p>{t('tp.report.none')}</p>
      ) : (
        <ul className="report-list">
          {reports.map((r) => (
            <li key={r.id}>
              <Link to={`/reports/${r.campaign.slug}/${r.number}`}>
                {locale === 'en' ? r.campaign.titleEn : r.campaign.title} ·{' '}
                {t(r.final ? 'tp.report.finalTitle' : 'tp.report.periodicTitle', { number: r.number })}
              </Link>{' '}
              <span className="muted">
                {t('tp.report.publishedAt')}: {formatDate(r.publishedAt, locale)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </article>
  )
}

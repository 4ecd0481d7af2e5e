import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { publicPageHeaders } from '~/modules/transparency/http'
import { REPORT_SECTIONS, figureLabel, sectionNote, sectionTitle } from '~/modules/transparency/report-files.server'
import { getReport } from '~/modules/transparency/reports.server'
import { ReportParams } from '~/modules/transparency/schema'
import { getDb } from '~/utils/db.server'
import { translator, type Locale, formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { notFound } from '~/utils/http.server'

export async function loader({ params }: LoaderFunctionArgs) {
  const p = ReportParams.safeParse(params)
  const report = p.success ? await getReport(getDb(), p.data.campaign, p.data.number) : undefined
  if (!report) throw notFound()
  const sections = REPORT_SECTIONS.map((s) => ({
    key: s.key,
    title: sectionTitle(s.key),
    note: sectionNote(s.key, report.final),
    figures: s.figures.map((k) => ({ key: k, label: figureLabel(k) })),
  }))
  return { report, sections }
}

export const headers = () => publicPageHeaders()

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  const locale = ((matches[0]?.data as { locale?: Locale } | undefined)?.locale ?? 'zh-CN') as Locale
  const t = translator(locale)
  const r = data?.report
  return [
    {
      title: r
        ? `${locale === 'en' ? r.campaign.titleEn : r.campaign.title} · ${t(r.final ? 'tp.report.finalTitle' : 'tp.report.periodicTitle', { number: r.number })}`
        : t('tp.report.title'),
    },
  ]
}

export default function ReportPage() {
  const { report: r, sections } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  const base = `/reports/${r.campaign.slug}/${r.number}`
  return (
    <article>
      <header className="page-header">
        <p>
          <Link to="/reports">{t('tp.report.title')}</Link>
        </p>
        <h1>
          {locale === 'en' ? r.campaign.titleEn : r.campaign.title} ·{' '}
          {t(r.final ? 'tp.report.finalTitle' : 'tp.report.periodicTitle', { number: r.number })}
        </h1>
        <p>
          {t('tp.report.period', { start: formatDate(r.periodStart, locale), end: formatDate(r.periodEnd, locale) })}
        </p>
        <p className="muted">{t('tp.report.periodRule')}</p>
        <p>
          <Link to={`/ledger?campaign=${r.campaign.slug}`}>
            {t('tp.report.sequences', { from: r.fromSequence + 1, to: r.toSequence })}
          </Link>
        </p>
        <p className="muted">
          {t('tp.report.publishedAt')}: {formatDate(r.publishedAt, locale)} · {t('tp.head.hash')}:{' '}
          <code className="hash">{r.headHash}</code>
        </p>
      </header>
      {sections.map((s) => (
        <section key={s.key} aria-labelledby={`section-${s.key}`} data-section={s.key}>
          <h2 id={`section-${s.key}`}>{t(s.title)}</h2>
          <p className="muted">{t(s.note)}</p>
          {r.figures.map((f) => (
            <table key={f.currency} className="report-table">
              <caption>{f.currency}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('tp.report.figure')}</th>
                  <th scope="col" className="num">
                    {t('tp.report.value')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.figures.map(({ key: k, label }) => (
                  <tr key={k} data-figure={k}>
                    <th scope="row">{t(label)}</th>
                    <td className="num">{k === 'donations' ? f[k] : formatMoney(f[k], f.currency, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </section>
      ))}
      {r.note ? (
        <section aria-labelledby="note">
          <h2 id="note">{t('tp.report.note')}</h2>
          <p>{r.note}</p>
        </section>
      ) : null}
      <p className="muted">{t('tp.report.verifyNote')}</p>
      <p>
        <a className="button" href={`${base}/csv`} download>
          {t('tp.report.csv')}
        </a>{' '}
        <a className="button" href={`${base}/pdf?lng=${locale}`} download>
          {t('tp.report.pdf')}
        </a>
      </p>
    </article>
  )
}

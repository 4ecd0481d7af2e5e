import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { BarChart, PipelineChart, type ChartBar } from '~/components/charts/BarChart'
import { getDashboard, type Bar } from '~/modules/transparency/dashboard.server'
import { publicPageHeaders } from '~/modules/transparency/http'
import { getDb } from '~/utils/db.server'
import { formatMonth, resolveLocale, translator, type Locale } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney, formatMoneyAxis } from '~/utils/money'

export async function loader({ request }: LoaderFunctionArgs) {
  const dashboard = await getDashboard(getDb(), resolveLocale(request))
  return { dashboard }
}

export const headers = () => publicPageHeaders()

export const meta: MetaFunction<typeof loader> = ({ matches }) => {
  const locale = ((matches[0]?.data as { locale?: Locale } | undefined)?.locale ?? 'zh-CN') as Locale
  const t = translator(locale)
  return [{ title: `${t('tp.title')} · ${t('app.name')}` }, { name: 'description', content: t('tp.intro') }]
}

const money = (bars: Bar[], currency: string, locale: Locale): ChartBar[] =>
  bars.map((b) => ({ ...b, display: formatMoney(b.amount, currency, locale) }))

/** A month key (2026-11) as people read it: "2026年11月" / "November 2026", short "11月" / "Nov". */
const isMonth = (key: string) => /^\d{4}-(0[1-9]|1[0-2])$/.test(key)
const monthBars = (bars: Bar[], currency: string, locale: Locale): ChartBar[] =>
  bars.map((b) => ({
    ...b,
    label: isMonth(b.key) ? formatMonth(b.key, locale) : b.label,
    short: isMonth(b.key) ? formatMonth(b.key, locale, 'short') : b.label,
    display: formatMoney(b.amount, currency, locale),
  }))

/** The headline figures; each has its name (tp.<figure>) and one line saying what it counts. */
const FIGURES = ['raised', 'donations', 'fees', 'refunded', 'awarded', 'paid', 'awaiting', 'held'] as const

export default function Transparency() {
  const { dashboard: d } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  const fmt = (amount: number, currency: string) => formatMoney(amount, currency, locale)
  return (
    <article className="transparency">
      <header className="page-header">
        <h1>{t('tp.title')}</h1>
        <p>{t('tp.intro')}</p>
        <p className="muted">{t('tp.asOf', { sequence: d.head.sequence })}</p>
      </header>

      <section aria-labelledby="totals">
        <h2 id="totals">{t('tp.totals')}</h2>
        {d.totals.length === 0 ? <p>{t('tp.noData')}</p> : null}
        {d.totals.map(({ currency, totals: x }) => (
          <div key={currency}>
            {d.totals.length > 1 ? <h3>{t('tp.currency', { currency })}</h3> : null}
            <dl className="figure-grid">
              {FIGURES.map((name) => (
                <div className="figure" key={name} data-figure={name}>
                  <dt>{t(`tp.${name}`)}</dt>
                  <dd className="figure-value">
                    {name === 'donations' ? String(x.donations) : fmt(x[name], currency)}
                  </dd>
                  <dd className="figure-note">{t(`tp.explain.${name}`)}</dd>
                </div>
              ))}
            </dl>
            <PipelineChart
              id={`pipeline-${currency}`}
              title={t('tp.chart.pipeline', { currency })}
              desc={t('tp.chart.pipelineDesc', {
                fees: fmt(x.fees, currency),
                refunded: fmt(x.refunded, currency),
                held: fmt(x.held, currency),
                awaiting: fmt(x.awaiting, currency),
                paid: fmt(x.paid, currency),
              })}
              tick={(n) => formatMoneyAxis(n, currency, locale)}
              stages={(['fees', 'refunded', 'held', 'awaiting', 'paid'] as const).map((k) => ({
                key: k,
                label: t(`tp.${k}`),
                amount: x[k],
                display: fmt(x[k], currency),
                note: t(`tp.explain.${k}`),
              }))}
            />
          </div>
        ))}
      </section>

      {d.monthly.map(({ currency, bars }) => (
        <section key={currency} aria-label={t('tp.chart.monthly', { currency })}>
          <BarChart
            id={`monthly-${currency}`}
            title={t('tp.chart.monthly', { currency })}
            desc={t('tp.chart.monthlyDesc', {
              first: monthBars(bars.slice(0, 1), currency, locale)[0]?.label ?? '',
              last: monthBars(bars.slice(-1), currency, locale)[0]?.label ?? '',
              max: fmt(Math.max(0, ...bars.map((b) => b.amount)), currency),
            })}
            bars={monthBars(bars, currency, locale)}
            tick={(n) => formatMoneyAxis(n, currency, locale)}
            labelHeader={t('tp.chart.month')}
            valueHeader={t('tp.chart.amount')}
            tableLabel={t('tp.chart.table')}
          />
        </section>
      ))}

      <section aria-labelledby="where">
        <h2 id="where">{t('tp.whereWent')}</h2>
        {d.byProgramme.length === 0 ? <p>{t('tp.noAwards')}</p> : null}
        <div className="chart-pair">
          {d.byProgramme.map(({ currency, bars }) => (
            <BarChart
              key={`p-${currency}`}
              id={`programme-${currency}`}
              orientation="horizontal"
              title={t('tp.chart.programme', { currency })}
              desc={t('tp.chart.programmeDesc', { count: bars.length })}
              bars={money(bars, currency, locale)}
              tick={(n) => formatMoneyAxis(n, currency, locale)}
              labelHeader={t('tp.chart.programmeCol')}
              valueHeader={t('tp.chart.amount')}
              tableLabel={t('tp.chart.table')}
            />
          ))}
          {d.byCounty.map(({ currency, bars }) => (
            <BarChart
              key={`c-${currency}`}
              id={`county-${currency}`}
              orientation="horizontal"
              title={t('tp.chart.county', { currency })}
              desc={t('tp.chart.countyDesc', { count: bars.length })}
              bars={money(bars, currency, locale)}
              tick={(n) => formatMoneyAxis(n, currency, locale)}
              labelHeader={t('tp.chart.countyCol')}
              valueHeader={t('tp.chart.amount')}
              tableLabel={t('tp.chart.table')}
            />
          ))}
        </div>
      </section>

      <section aria-labelledby="statements">
        <h2 id="statements">{t('tp.statements')}</h2>
        <div className="table-scroll">
          <table className="statement-table">
            <caption className="muted">{t('tp.statementsCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('tp.fund')}</th>
                <th scope="col" className="num">
                  {t('tp.raised')}
                </th>
                <th scope="col" className="num">
                  {t('tp.fees')}
                </th>
                <th scope="col" className="num">
                  {t('tp.refunded')}
                </th>
                <th scope="col" className="num">
                  {t('tp.awarded')}
                </th>
                <th scope="col" className="num">
                  {t('tp.paid')}
                </th>
                <th scope="col" className="num">
                  {t('tp.transfersIn')}
                </th>
                <th scope="col" className="num">
                  {t('tp.transfersOut')}
                </th>
                <th scope="col" className="num">
                  {t('tp.held')}
                </th>
              </tr>
            </thead>
            <tbody>
              {d.funds.map((f) => (
                <tr key={`${f.fund}-${f.currency}`} data-fund={f.fund}>
                  <th scope="row">
                    {f.campaign ? <Link to={`/campaigns/${f.campaign.slug}`}>{f.name}</Link> : f.name}
                    {f.campaign ? (
                      <>
                        {' · '}
                        <Link to={`/reports?campaign=${f.campaign.slug}`}>{t('tp.reports')}</Link>
                      </>
                    ) : null}
                  </th>
                  <td className="num">{fmt(f.raised, f.currency)}</td>
                  <td className="num">{fmt(f.fees, f.currency)}</td>
                  <td className="num">{fmt(f.refunded, f.currency)}</td>
                  <td className="num">{fmt(f.awarded, f.currency)}</td>
                  <td className="num">{fmt(f.paid, f.currency)}</td>
                  <td className="num">{fmt(f.transfersIn, f.currency)}</td>
                  <td className="num">{fmt(f.transfersOut, f.currency)}</td>
                  <td className="num">{fmt(f.held, f.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="head" className="card chain-head">
        <h2 id="head">{t('tp.head.title')}</h2>
        <dl>
          <dt>{t('tp.head.sequence')}</dt>
          <dd>{d.head.sequence}</dd>
          <dt>{t('tp.head.hash')}</dt>
          <dd>
            <code className="hash" data-head-hash>
              {d.head.hash}
            </code>
          </dd>
        </dl>
        <p>{t('tp.head.how')}</p>
        <ul>
          <li>
            <a href="/open-data.md">{t('tp.head.doc')}</a>
          </li>
          <li>
            <Link to="/open-data">{t('tp.head.downloads')}</Link>
          </li>
          <li>
            <Link to="/ledger">{t('tp.head.ledger')}</Link>
          </li>
          <li>
            <Link to="/reports">{t('tp.reports')}</Link>
          </li>
        </ul>
      </section>
    </article>
  )
}

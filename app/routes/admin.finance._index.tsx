import type { LoaderFunctionArgs } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { FinanceChart } from '~/components/admin/FinanceChart'
import { recordAudit } from '~/modules/audit/audit.server'
import { clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { listCloses } from '~/modules/finance/close.server'
import {
  dailyGross,
  financePeriods,
  periodFigures,
  type Moved,
  type PeriodFigures,
} from '~/modules/finance/summary.server'
import { purposeTitle } from '~/modules/receipts/queries.server'
import { getDb } from '~/utils/db.server'
import { notFound } from '~/utils/http.server'
import { codeKey, formatDate, resolveLocale } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

// The finance page: today, this month and this year in China time, the month's gifts per
// day as a chart, and the way to the reconciliation and the monthly closes. Figures are
// totals (no donor data), but only root-scoped finance, admin and auditor staff see them.

export const access = { loader: 'donations.read' } satisfies RouteAccess

/** The currency the chart shows: the foundation's own. */
const CHART_CURRENCY = 'CNY'

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const db = getDb()
  const locale = resolveLocale(request)
  const periods = financePeriods()
  const figures = await Promise.all(periods.map((p) => periodFigures(db, p)))
  const month = periods.find((p) => p.name === 'month')!
  const [daily, closes] = await Promise.all([dailyGross(db, month, CHART_CURRENCY), listCloses(db)])
  const today = periods.find((p) => p.name === 'today')!.start
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'finance.view',
    entityType: 'finance',
    ip: clientIp(context),
  })
  return {
    figures: figures.map((f) => ({
      ...f,
      byPurpose: f.byPurpose.map((r) => ({ ...r, purpose: purposeTitle(r, locale) })),
    })),
    daily: daily.filter((d) => d.day <= today),
    chartCurrency: CHART_CURRENCY,
    closes: closes.map((c) => ({ month: c.month, count: c.expected_count, frozen: c.frozen_at !== null })),
    canClose: hasRootScope(staff, 'finance.close'),
  }
}

export default function Finance() {
  const { daily, chartCurrency, closes, ...page } = useLoaderData<typeof loader>()
  const figures = page.figures as Figures[]
  const t = useT()
  const locale = useLocale()
  const money = (amount: number, currency: string) => formatMoney(amount, currency, locale)
  return (
    <section>
      <h1>{t('finance.title')}</h1>
      <p className="muted">{t('finance.intro')}</p>
      <p>
        <Link to="/admin/finance/reconcile">{t('finance.reconcile.link')}</Link>
        {' · '}
        <Link to="/admin/finance/bills">{t('finance.bills.link')}</Link>
        {' · '}
        <Link to="/admin/finance/close">{t('finance.close.link')}</Link>
      </p>
      <FinanceChart
        days={daily}
        currency={chartCurrency}
        title={t('finance.chart.title', { currency: chartCurrency })}
        empty={t('finance.chart.empty')}
      />
      {figures.map((f) => (
        <PeriodSection key={f.period.name} f={f} money={money} />
      ))}
      <h2>{t('finance.close.list')}</h2>
      {closes.length === 0 ? (
        <p>{t('finance.close.none')}</p>
      ) : (
        <ul>
          {closes.map((c) => (
            <li key={c.month}>
              <Link to={`/admin/finance/close?month=${c.month}`}>{c.month}</Link>
              {' · '}
              {t('finance.close.countLine', { count: c.count })}
              {' · '}
              {t(c.frozen ? 'finance.close.frozen' : 'finance.close.open')}
            </li>
          ))}
        </ul>
      )}
      <p className="muted">{t('finance.asOf', { date: formatDate(new Date(), locale) })}</p>
    </section>
  )
}

type Money = (amount: number, currency: string) => string

type Figures = Omit<PeriodFigures, 'byPurpose'> & {
  byPurpose: (PeriodFigures['byPurpose'][number] & { purpose: string })[]
}

function PeriodSection({ f, money }: { f: Figures; money: Money }) {
  const t = useT()
  const label = {
    today: t('finance.period.today', { day: f.period.start }),
    month: t('finance.period.month', { month: f.period.start.slice(0, 7) }),
    year: t('finance.period.year', { year: f.period.start.slice(0, 4) }),
  }[f.period.name]
  const head = (
    <tr>
      <th scope="col">{t('finance.col.what')}</th>
      <th scope="col">{t('finance.col.count')}</th>
      <th scope="col">{t('finance.col.gross')}</th>
      <th scope="col">{t('finance.col.fees')}</th>
      <th scope="col">{t('finance.col.net')}</th>
    </tr>
  )
  return (
    <section aria-labelledby={`p-${f.period.name}`}>
      <h2 id={`p-${f.period.name}`}>{label}</h2>
      {f.gifts.length === 0 ? <p>{t('finance.noGifts')}</p> : null}
      {f.gifts.length ? (
        <div
          className="table-scroll table-region"
          tabIndex={0}
          role="region"
          aria-label={`${label} · ${t('finance.gifts')}`}
        >
          <table>
            <caption>{t('finance.gifts')}</caption>
            <thead>{head}</thead>
            <tbody>
              {f.gifts.map((r) => (
                <tr key={`c-${r.currency}`}>
                  <th scope="row">{t('finance.byCurrency', { currency: r.currency })}</th>
                  <td className="num">{r.count}</td>
                  <td className="num">{money(r.gross, r.currency)}</td>
                  <td className="num">{money(r.fees, r.currency)}</td>
                  <td className="num">{money(r.net, r.currency)}</td>
                </tr>
              ))}
              <tr>
                <th scope="rowgroup" colSpan={5}>
                  {t('finance.byMethod')}
                </th>
              </tr>
              {f.byMethod.map((r) => (
                <tr key={`m-${r.method}-${r.currency}`}>
                  <th scope="row">{t(codeKey('desk.method.', r.method))}</th>
                  <td className="num">{r.count}</td>
                  <td className="num">{money(r.gross, r.currency)}</td>
                  <td className="num">{money(r.fees, r.currency)}</td>
                  <td className="num">{money(r.net, r.currency)}</td>
                </tr>
              ))}
              <tr>
                <th scope="rowgroup" colSpan={5}>
                  {t('finance.byPurpose')}
                </th>
              </tr>
              {f.byPurpose.map((r) => (
                <tr key={`p-${r.campaignId ?? r.designation}-${r.currency}`}>
                  <th scope="row">{r.purpose}</th>
                  <td className="num">{r.count}</td>
                  <td className="num">{money(r.gross, r.currency)}</td>
                  <td className="num">{money(r.fees, r.currency)}</td>
                  <td className="num">{money(r.net, r.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <MovedList title={t('finance.refunds')} rows={f.refunds} money={money} />
      <MovedList title={t('finance.disputes')} rows={f.disputes} money={money} />
      <MovedList title={t('finance.payouts')} rows={f.payouts} money={money} />
    </section>
  )
}

function MovedList({ title, rows, money }: { title: string; rows: Moved[]; money: Money }) {
  const t = useT()
  return (
    <>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p>{t('finance.none')}</p>
      ) : (
        <ul>
          {rows.map((r) => (
            <li key={r.currency}>
              {t('finance.movedLine', { currency: r.currency, count: r.count, amount: money(r.amount, r.currency) })}
            </li>
          ))}
        </ul>
      )}
    </>
  )
}

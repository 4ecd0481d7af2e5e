import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { ShortHash } from '~/components/charts/Hash'
import { publicPageHeaders } from '~/modules/transparency/http'
import { ledgerView } from '~/modules/transparency/ledger-page.server'
import { KINDS, LedgerQuery, parseQuery } from '~/modules/transparency/schema'
import { getDb } from '~/utils/db.server'
import { codeKey, formatDate, type Locale, resolveLocale, translator } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const { query, invalid } = parseQuery(LedgerQuery, url)
  const { rows, ...view } = await ledgerView(getDb(), query, resolveLocale(request))
  // What the table shows, no more: every row's refs and previous hash would ride along in the
  // page's data for nothing (the transaction's own page has them).
  const shown = rows.map((r) => ({
    sequence: r.sequence,
    occurredAt: r.occurredAt,
    kind: r.kind,
    hash: r.hash,
    transfers: r.transfers.map(({ position, from, to, amount, currency }) => ({
      position,
      from,
      to,
      amount,
      currency,
    })),
  }))
  return { view: { ...view, rows: shown }, query, invalid }
}

export const headers = () => publicPageHeaders()

export const meta: MetaFunction = ({ matches }) => {
  const t = translator(((matches[0]?.data as { locale?: Locale } | undefined)?.locale ?? 'zh-CN') as Locale)
  return [{ title: `${t('ledger.title')} · ${t('app.name')}` }]
}

export default function Ledger() {
  const { view, query, invalid } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  const keep = new URLSearchParams()
  for (const k of ['kind', 'fund', 'campaign', 'from', 'to'] as const) if (query[k]) keep.set(k, String(query[k]))
  const link = (extra: Record<string, string>) => {
    const p = new URLSearchParams(keep)
    for (const [k, v] of Object.entries(extra)) p.set(k, v)
    const s = p.toString()
    return s ? `/ledger?${s}` : '/ledger'
  }
  return (
    <article>
      <header className="page-header">
        <h1>{t('ledger.title')}</h1>
        <p>{t('ledger.intro')}</p>
      </header>
      {invalid ? (
        <p role="alert" className="field-error">
          {t('ledger.badFilter')}
        </p>
      ) : null}
      <Form method="get" className="filters" aria-label={t('ledger.filters')}>
        <div className="field">
          <label htmlFor="f-kind">{t('ledger.kind')}</label>
          <select id="f-kind" name="kind" defaultValue={query.kind ?? ''}>
            <option value="">{t('ledger.anyKind')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`tp.kind.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-fund">{t('ledger.fund')}</label>
          <select id="f-fund" name="fund" defaultValue={query.fund ?? ''}>
            <option value="">{t('ledger.anyFund')}</option>
            {view.funds.map((f) => (
              <option key={f.code} value={f.code}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-campaign">{t('ledger.campaign')}</label>
          <select id="f-campaign" name="campaign" defaultValue={query.campaign ?? ''}>
            <option value="">{t('ledger.anyCampaign')}</option>
            {view.campaigns.map((c) => (
              <option key={c.slug} value={c.slug}>
                {c.title}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-from">{t('ledger.from')}</label>
          <input id="f-from" type="date" name="from" defaultValue={query.from ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-to">{t('ledger.to')}</label>
          <input id="f-to" type="date" name="to" defaultValue={query.to ?? ''} />
        </div>
        <div className="filter-actions">
          <button type="submit" className="button">
            {t('ledger.apply')}
          </button>
          <Link to="/ledger">{t('ledger.reset')}</Link>
        </div>
      </Form>
      {view.rows.length === 0 ? (
        <p>{t('ledger.empty')}</p>
      ) : (
        <div className="table-scroll">
          <table className="ledger-table">
            <caption className="visually-hidden">{t('ledger.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('ledger.sequence')}</th>
                <th scope="col">{t('ledger.date')}</th>
                <th scope="col">{t('ledger.kind')}</th>
                <th scope="col">{t('ledger.transfers')}</th>
                <th scope="col">{t('ledger.hash')}</th>
              </tr>
            </thead>
            <tbody>
              {view.rows.map((r) => (
                <tr key={r.sequence} data-sequence={r.sequence}>
                  <th scope="row">
                    <Link to={`/ledger/${r.sequence}`}>#{r.sequence}</Link>
                  </th>
                  <td>{formatDate(r.occurredAt, locale)}</td>
                  <td>{t(codeKey('tp.kind.', r.kind))}</td>
                  <td>
                    <ul className="transfer-list">
                      {r.transfers.map((x) => (
                        <li key={x.position}>
                          {view.names[x.from] ?? x.from} → {view.names[x.to] ?? x.to}{' '}
                          <strong>{formatMoney(x.amount, x.currency, locale)}</strong>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <ShortHash hash={r.hash} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label={t('ledger.pages')}>
        {view.newer !== null ? <Link to={link({ after: String(view.newer) })}>{t('ledger.newer')}</Link> : null}
        {query.before !== undefined || query.after !== undefined ? (
          <Link to={link({})}>{t('ledger.newest')}</Link>
        ) : null}
        {view.older !== null ? <Link to={link({ before: String(view.older) })}>{t('ledger.older')}</Link> : null}
      </nav>
    </article>
  )
}

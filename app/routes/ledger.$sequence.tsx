import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { publicPageHeaders } from '~/modules/transparency/http'
import { transactionView } from '~/modules/transparency/ledger-page.server'
import { SequenceParam } from '~/modules/transparency/schema'
import { WITHHELD_CODE } from '~/modules/transparency/withheld'
import { getDb } from '~/utils/db.server'
import { formatDateTime, resolveLocale, translator, type Locale, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { shownName } from '~/modules/donations/display-name'
import { termLabel } from '~/utils/words'

// Refs with a label of their own (ledger.ref.*); any other is shown by its key.
const REF_LABELS = [
  'beneficiary',
  'programme',
  'term',
  'donation',
  'donor',
  'batch',
  'refund',
  'dispute',
  'campaign',
  'wish',
  'sponsorship',
]
import { formatMoney } from '~/utils/money'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const sequence = SequenceParam.safeParse(params.sequence)
  const tx = sequence.success ? await transactionView(getDb(), sequence.data, resolveLocale(request)) : undefined
  if (!tx) throw new Response('Not Found', { status: 404 })
  return { tx }
}

export const headers = () => publicPageHeaders()

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  const t = translator(((matches[0]?.data as { locale?: Locale } | undefined)?.locale ?? 'zh-CN') as Locale)
  return [{ title: `${t('ledger.tx.title', { sequence: data?.tx.sequence ?? '' })} · ${t('app.name')}` }]
}

export default function TransactionPage() {
  const { tx } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  const name = (code: string) => tx.names[code] ?? code
  return (
    <article>
      <header className="page-header">
        <p>
          <Link to="/ledger">{t('ledger.title')}</Link>
        </p>
        <h1>{t('ledger.tx.title', { sequence: tx.sequence })}</h1>
        <p className="tag">{t(`tp.kind.${tx.kind}` as MessageKey)}</p>
      </header>
      <dl className="detail-list">
        <dt>{t('ledger.tx.occurred')}</dt>
        <dd>
          {/* China time for people; the exact hashed instant stays in dateTime and the JSON API. */}
          <time dateTime={tx.occurredAt} title={tx.occurredAt}>
            {formatDateTime(tx.occurredAt, locale)}
          </time>
        </dd>
        {tx.donation ? (
          <>
            <dt>{t('ledger.tx.donor')}</dt>
            <dd>{shownName(tx.donation.displayName, locale)}</dd>
          </>
        ) : null}
        <dt>{t('ledger.tx.refs')}</dt>
        <dd>
          <ul className="refs">
            {Object.entries(tx.refs).map(([k, v]) => (
              <li key={k} data-ref={k}>
                {REF_LABELS.includes(k) ? t(`ledger.ref.${k}` as MessageKey) : k}:{' '}
                {k === 'beneficiary' ? (
                  <Link to={`/students/${v}`}>{v}</Link>
                ) : k === 'programme' ? (
                  (tx.programme ?? v)
                ) : k === 'term' ? (
                  termLabel(v, locale)
                ) : (
                  v
                )}
              </li>
            ))}
          </ul>
        </dd>
        <dt>{t('ledger.hash')}</dt>
        <dd>
          <code className="hash">{tx.hash}</code>
        </dd>
        <dt>{t('ledger.tx.prevHash')}</dt>
        <dd>
          <code className="hash">{tx.prevHash}</code>
        </dd>
      </dl>
      <h2>{t('ledger.transfers')}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t('ledger.tx.from')}</th>
            <th scope="col">{t('ledger.tx.to')}</th>
            <th scope="col" className="num">
              {t('trace.amount')}
            </th>
          </tr>
        </thead>
        <tbody>
          {tx.transfers.map((x) => (
            <tr key={x.position}>
              <td>{x.position}</td>
              {/* The account code is for verifiers: in the open data and the title, not the text. */}
              <td title={x.from}>{name(x.from)}</td>
              <td title={x.to}>{name(x.to)}</td>
              <td className="num">{formatMoney(x.amount, x.currency, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t('ledger.tx.traces')}</h2>
      {tx.traces.length === 0 ? (
        <p className="muted">{t('ledger.tx.tracesNone')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('ledger.kind')}</th>
              <th scope="col">{t('ledger.tx.donation')}</th>
              <th scope="col">{t('ledger.tx.lot')}</th>
              <th scope="col">{t('ledger.tx.student')}</th>
              <th scope="col" className="num">
                {t('trace.amount')}
              </th>
            </tr>
          </thead>
          <tbody>
            {tx.traces.map((r) => (
              <tr key={r.id}>
                <td>{t(`ledger.trace.${r.kind}` as MessageKey)}</td>
                <td>
                  <code>{r.donation}</code>
                </td>
                <td>{r.lot}</td>
                <td>
                  {r.beneficiary === WITHHELD_CODE ? (
                    t('transparency.withheldStudent')
                  ) : r.beneficiary ? (
                    <Link to={`/students/${r.beneficiary}`}>{r.beneficiary}</Link>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="num">{formatMoney(r.amount, r.currency, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label={t('ledger.pages')}>
        {/* "← previous" on the left, "next →" on the right, as their arrows say. */}
        {tx.previous !== null ? (
          <Link to={`/ledger/${tx.previous}`} rel="prev">
            {t('ledger.tx.previous')}
          </Link>
        ) : null}
        {tx.next !== null ? (
          <Link to={`/ledger/${tx.next}`} rel="next">
            {t('ledger.tx.next')}
          </Link>
        ) : null}
      </nav>
    </article>
  )
}

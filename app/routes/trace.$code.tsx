import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { matchOfGift } from '~/modules/matching/donor.server'
import { loadNames } from '~/modules/transparency/names.server'
import { getPublicTrace, sharesWithMatch } from '~/modules/transparency/trace.server'
import { WITHHELD_CODE } from '~/modules/transparency/withheld'
import { getDb } from '~/utils/db.server'
import { resolveLocale, translator, type Locale, formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { gradeLabel, termLabel } from '~/utils/words'
import { formatMoney } from '~/utils/money'
import { notFound } from '~/utils/http.server'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = getDb()
  const locale = resolveLocale(request)
  const found = await getPublicTrace(db, (params.code ?? '').toUpperCase())
  if (!found) throw notFound()
  const names = await loadNames(db, locale)
  const funds = [found.donation.fund, ...(found.trace?.heldIn.map((h) => h.fund) ?? [])]
  const match = (await matchOfGift(db, found.donation.publicId, locale)) ?? null
  const { rows, students } = await sharesWithMatch(db, found, match?.sequence)
  return {
    trace: found,
    match,
    rows,
    students,
    fundNames: Object.fromEntries(funds.map((f) => [f, names.fund(f)])),
    programmeNames: Object.fromEntries(
      rows.map((s) => [s.refs.programme ?? '', names.programme(s.refs.programme ?? '')]),
    ),
    countyNames: Object.fromEntries(Object.values(students).map((s) => [s.county, names.county(s.county)])),
  }
}

// A donor's own page, reached by an unguessable code: never cached by shared caches or indexed.
export const headers = () => ({
  'Cache-Control': 'private, no-store',
  'X-Robots-Tag': 'noindex',
  'Referrer-Policy': 'no-referrer',
})

export const meta: MetaFunction = ({ matches }) => {
  const t = translator(((matches[0]?.data as { locale?: Locale } | undefined)?.locale ?? 'zh-CN') as Locale)
  return [{ title: `${t('trace.title')} · ${t('app.name')}` }, { name: 'robots', content: 'noindex' }]
}

export default function TracePage() {
  const { trace: found, match, rows, students, fundNames, programmeNames, countyNames } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  const d = found.donation
  const tr = found.trace
  const fmt = (n: number) => formatMoney(n, d.currency, locale)
  return (
    <article>
      <header className="page-header">
        <h1>{t('trace.title')}</h1>
        {tr ? (
          <>
            <p>
              {t('trace.summary', {
                name: tr.donation.displayName,
                amount: fmt(tr.donation.amount),
                date: formatDate(tr.donation.paidAt, locale),
                fund: fundNames[tr.donation.fund] ?? tr.donation.fund,
              })}
            </p>
            {match ? (
              <p className="match-note">
                {t('matching.traceYours', { amount: fmt(tr.donation.amount) })} ·{' '}
                <Link to={`/ledger/${match.sequence}`}>
                  {t('matching.traceMatched', { amount: fmt(match.amount), sponsor: match.sponsor })}
                </Link>
              </p>
            ) : null}
            {tr.donation.fee > 0 ? (
              <p className="muted">{t('trace.fee', { fee: fmt(tr.donation.fee), net: fmt(tr.donation.net) })}</p>
            ) : null}
            <p>
              <Link to={`/ledger/${tr.donation.sequence}`}>
                {t('trace.ledgerLink', { sequence: tr.donation.sequence })}
              </Link>
            </p>
          </>
        ) : (
          <p role="status">{t('trace.pending')}</p>
        )}
      </header>
      {tr ? (
        <>
          <section aria-labelledby="shares">
            <h2 id="shares">{t('trace.shares')}</h2>
            {rows.length === 0 ? (
              <p>{t('trace.noShares')}</p>
            ) : (
              <div className="table-scroll">
                <table className="trace-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('trace.student')}</th>
                      <th scope="col">{t('trace.county')}</th>
                      <th scope="col">{t('trace.grade')}</th>
                      <th scope="col">{t('trace.programme')}</th>
                      <th scope="col">{t('trace.term')}</th>
                      <th scope="col" className="num">
                        {t('trace.amount')}
                      </th>
                      <th scope="col">{t('trace.awardedOn')}</th>
                      <th scope="col">{t('trace.paidOn')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((s, i) => {
                      const student = students[s.beneficiaryCode]
                      return (
                        <tr key={`${s.awardSequence}-${s.beneficiaryCode}-${i}`}>
                          <th scope="row">
                            {s.beneficiaryCode === WITHHELD_CODE ? (
                              t('transparency.withheldStudent')
                            ) : s.beneficiaryCode ? (
                              <Link to={`/students/${s.beneficiaryCode}`}>{s.beneficiaryCode}</Link>
                            ) : (
                              '—'
                            )}
                          </th>
                          <td>{student ? countyNames[student.county] : '—'}</td>
                          <td>{gradeLabel(student?.grade, locale)}</td>
                          <td>{programmeNames[s.refs.programme ?? ''] ?? ''}</td>
                          <td>{termLabel(s.refs.term, locale)}</td>
                          <td className="num">
                            {fmt(s.amount + s.matched)}
                            {s.matched > 0 && match ? (
                              <span className="share-match">
                                {t('matching.traceFromSponsor', { amount: fmt(s.matched), sponsor: match.sponsor })}
                              </span>
                            ) : null}
                          </td>
                          <td>{formatDate(s.awardedAt, locale)}</td>
                          <td>{s.paidAt ? formatDate(s.paidAt, locale) : t('trace.notPaidYet')}</td>
                        </tr>
                      )
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section aria-labelledby="held">
            <h2 id="held">{t('trace.held', { amount: fmt(tr.held) })}</h2>
            {tr.heldIn.length ? (
              <ul>
                {tr.heldIn.map((h) => (
                  <li key={h.fund}>
                    {t('trace.heldIn', { fund: fundNames[h.fund] ?? h.fund, amount: fmt(h.amount) })}
                  </li>
                ))}
              </ul>
            ) : null}
            {tr.refunded > 0 ? <p>{t('trace.refunded', { amount: fmt(tr.refunded) })}</p> : null}
            {tr.coveredRefunds > 0 ? (
              <p className="muted">{t('trace.covered', { amount: fmt(tr.coveredRefunds) })}</p>
            ) : null}
            <p className="muted">
              {t('trace.rule')} <a href="/open-data.md">{t('tp.head.doc')}</a>
            </p>
          </section>
        </>
      ) : null}
    </article>
  )
}

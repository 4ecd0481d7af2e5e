import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { publicPageHeaders } from '~/modules/transparency/http'
import { loadNames } from '~/modules/transparency/names.server'
import { StudentCode } from '~/modules/transparency/schema'
import { getPublicStudent } from '~/modules/transparency/students.server'
import { publicStories } from '~/modules/beneficiaries/story.server'
import { getDb } from '~/utils/db.server'
import { resolveLocale, translator, type Locale, formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { gradeLabel, termLabel } from '~/utils/words'
import { formatMoney } from '~/utils/money'
import { notFound } from '~/utils/http.server'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const code = StudentCode.safeParse(params.code)
  const db = getDb()
  const student = code.success ? await getPublicStudent(db, code.data) : undefined
  if (!student) throw notFound()
  const names = await loadNames(db, resolveLocale(request))
  const funds = [...new Set([...student.funds, ...student.entries.flatMap((e) => (e.fund ? [e.fund] : []))])]
  return {
    student,
    // Staff-written and checked; only while the public-story consent holds (as the page itself).
    story: (await publicStories(db, [student.code])).get(student.code) ?? null,
    county: names.county(student.county),
    programmes: student.programmes.map((p) => names.programme(p)),
    fundNames: Object.fromEntries(funds.map((f) => [f, names.fund(f)])),
    programmeNames: Object.fromEntries(student.entries.map((e) => [e.programme, names.programme(e.programme)])),
    campaigns: Object.fromEntries(funds.map((f) => [f, names.campaignOfFund(f)?.slug ?? null])),
  }
}

export const headers = () => publicPageHeaders()

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  const t = translator(((matches[0]?.data as { locale?: Locale } | undefined)?.locale ?? 'zh-CN') as Locale)
  return [{ title: `${t('student.title', { code: data?.student.code ?? '' })} · ${t('app.name')}` }]
}

export default function StudentPage() {
  const { student: s, story, county, programmes, fundNames, programmeNames, campaigns } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  return (
    <article>
      <header className="page-header">
        <h1>{t('student.title', { code: s.code })}</h1>
        <dl className="detail-list">
          <dt>{t('trace.county')}</dt>
          <dd>{county}</dd>
          <dt>{t('trace.grade')}</dt>
          <dd>{gradeLabel(s.grade, locale)}</dd>
          {programmes.length ? (
            <>
              <dt>{t('trace.programme')}</dt>
              <dd>{programmes.join('、')}</dd>
            </>
          ) : null}
        </dl>
        {story ? (
          <blockquote className="student-story" aria-label={t('story.heading')}>
            <p>{story}</p>
          </blockquote>
        ) : null}
        <p className="muted">{t('student.privacy')}</p>
      </header>
      <section aria-labelledby="received">
        <h2 id="received">{t('student.received')}</h2>
        {s.totals.map((x) => (
          <dl key={x.currency} className="figure-grid">
            <div className="figure">
              <dt>{t('student.awarded')}</dt>
              <dd>{formatMoney(x.awarded, x.currency, locale)}</dd>
            </div>
            <div className="figure">
              <dt>{t('student.paid')}</dt>
              <dd>{formatMoney(x.paid, x.currency, locale)}</dd>
            </div>
          </dl>
        ))}
        {s.donations > 0 ? <p>{t('student.donations', { count: s.donations })}</p> : null}
        {s.funds.length ? (
          <p>
            {t('student.fromFunds')}:{' '}
            {s.funds.map((f, i) => (
              <span key={f}>
                {i ? '、' : ''}
                {campaigns[f] ? <Link to={`/campaigns/${campaigns[f]}`}>{fundNames[f]}</Link> : fundNames[f]}
              </span>
            ))}
          </p>
        ) : null}
        {s.entries.length === 0 ? (
          <p>{t('student.none')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('ledger.sequence')}</th>
                <th scope="col">{t('ledger.date')}</th>
                <th scope="col">{t('ledger.kind')}</th>
                <th scope="col">{t('trace.programme')}</th>
                <th scope="col">{t('trace.term')}</th>
                <th scope="col">{t('ledger.fund')}</th>
                <th scope="col" className="num">
                  {t('trace.amount')}
                </th>
              </tr>
            </thead>
            <tbody>
              {s.entries.map((e) => (
                <tr key={`${e.sequence}-${e.kind}`}>
                  <td>
                    <Link to={`/ledger/${e.sequence}`}>#{e.sequence}</Link>
                  </td>
                  <td>{formatDate(e.occurredAt, locale)}</td>
                  <td>{t(`student.kind.${e.kind}`)}</td>
                  <td>{e.programme ? programmeNames[e.programme] : '—'}</td>
                  <td>{termLabel(e.term, locale)}</td>
                  <td>{e.fund ? fundNames[e.fund] : '—'}</td>
                  <td className="num">{formatMoney(e.amount, e.currency, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </article>
  )
}

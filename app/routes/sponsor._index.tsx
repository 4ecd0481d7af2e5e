import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { take } from '~/modules/auth/rate-limit.server'
import { sponsorClaim, START_LIMIT, startSponsorship } from '~/modules/sponsorships/start.server'
import { sponsorChoice, sponsorshipProgramme } from '~/modules/sponsorships/public.server'
import { clientIp } from '~/modules/auth/authorize.server'
import { getDb } from '~/utils/db.server'
import { resolveLocale, pageTitle } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { gradeLabel } from '~/utils/words'
import { formatMoney } from '~/utils/money'
import { refusalData } from '~/utils/http.server'
import { isRefusal, Refusal } from '~/utils/refusal'

// 希望之星 1+1: choose a student (pseudonym, county, grade only), then give through the
// donation form into that sponsorship's own fund.

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, 'sponsor.title') }]

export async function loader({ request }: LoaderFunctionArgs) {
  return sponsorChoice(getDb(), resolveLocale(request))
}

const StartForm = z.object({
  beneficiaryId: z.coerce.number().int().positive(),
  name: z.string().trim().min(1).max(80),
  email: z.string().trim().toLowerCase().email().max(254),
  frequency: z.enum(['once', 'monthly']),
})

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = StartForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return refusalData(new Refusal('sponsor.error.form'))
  const programme = await sponsorshipProgramme(getDb())
  if (!programme) return refusalData(new Refusal('sponsor.error.unavailable'))
  // A started sponsorship reserves its student for a day: limit how many one client starts.
  if (!(await take(getDb(), `sponsor-start:${clientIp(context)}`, START_LIMIT)))
    return refusalData(new Refusal('sponsor.error.tooMany', { status: 429 }))
  try {
    const s = await startSponsorship(getDb(), {
      beneficiaryId: parsed.data.beneficiaryId,
      programmeId: programme.id,
      schoolYear: programme.schoolYear,
      frequency: parsed.data.frequency,
      donorName: parsed.data.name,
      donorEmail: parsed.data.email,
      locale: resolveLocale(request),
    })
    return redirect(`/donate?sponsorship=${s.id}&claim=${sponsorClaim(s.id)}`, 303)
  } catch (e) {
    if (isRefusal(e)) return refusalData(e)
    throw e
  }
}

export default function Sponsor() {
  const { students, schoolYear, perTerm, currency } = useLoaderData<typeof loader>()
  const r = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{t('sponsor.title')}</h1>
      <p>{t('sponsor.intro')}</p>
      <p className="muted">
        {t('sponsorships.schoolYear')}: {schoolYear}
      </p>
      <p>
        {t('sponsor.cost', {
          term: formatMoney(perTerm, currency, locale),
          year: formatMoney(perTerm * 2, currency, locale),
        })}
      </p>
      {r?.error ? (
        <p className="error-summary" role="alert">
          {t(r.error)}
        </p>
      ) : null}
      {students.length ? (
        <Form method="post" className="form-narrow">
          <fieldset>
            <legend>{t('sponsor.student')}</legend>
            <div className="sponsor-cards">
              {students.map((s, i) => (
                <label key={s.id} className="sponsor-card">
                  <input type="radio" name="beneficiaryId" value={s.id} defaultChecked={i === 0} />
                  <span>
                    <strong>{s.publicCode}</strong> · {s.county} · {gradeLabel(s.grade, locale)}
                  </span>
                  {/* The staff-written story, when there is one (checked; shown only while consent stands). */}
                  {s.story ? <span className="sponsor-story">{s.story}</span> : null}
                  {/* Told from public fields only: pseudonym, county, grade, programme. */}
                  <span className="muted">
                    {t('sponsor.story', {
                      code: s.publicCode,
                      county: s.county,
                      grade: gradeLabel(s.grade, locale),
                      term: formatMoney(perTerm, currency, locale),
                    })}
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          <fieldset>
            <legend>{t('sponsor.frequency')}</legend>
            <label className="choice">
              <input type="radio" name="frequency" value="once" defaultChecked /> {t('sponsor.once')}
            </label>
            <label className="choice">
              <input type="radio" name="frequency" value="monthly" /> {t('sponsor.monthly')}
            </label>
          </fieldset>
          <div className="field">
            <label htmlFor="name">{t('sponsor.name')}</label>
            <input id="name" name="name" required maxLength={80} autoComplete="name" />
          </div>
          <div className="field">
            <label htmlFor="email">{t('sponsor.email')}</label>
            <input id="email" name="email" type="email" required autoComplete="email" />
          </div>
          <button type="submit" className="button">
            {t('sponsor.continue')}
          </button>
        </Form>
      ) : (
        <p>{t('sponsor.none')}</p>
      )}
    </section>
  )
}

import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { can, clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { listPendingLetters, moderateLetter, submitStudentLetter } from '~/modules/sponsorships/letters.server'
import { listSponsorships, moveSponsorship } from '~/modules/sponsorships/lifecycle.server'
import { studentIdByCode } from '~/modules/stations/students.server'
import { getDb } from '~/utils/db.server'
import { refusalData } from '~/utils/http.server'
import { codeKey, formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { isRefusal, Refusal } from '~/utils/refusal'

// 1+1 sponsorships in the caller's area: status, the pause-and-move rule, letters to moderate.
export const access = { loader: 'disbursements.read', action: 'letters.moderate' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const scope = stationScope(staff, access.loader)
  const moderate = can(staff, 'letters.moderate')
  return {
    sponsorships: await listSponsorships(getDb(), scope),
    letters: moderate ? await listPendingLetters(getDb(), stationScope(staff, 'letters.moderate')) : [],
    moderate,
    me: staff.id,
  }
}

const ActionForm = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('move'),
    sponsorshipId: z.coerce.number().int().positive(),
    toCode: z.string().trim().max(40),
  }),
  z.object({
    intent: z.literal('letter'),
    sponsorshipId: z.coerce.number().int().positive(),
    body: z.string().max(4000),
  }),
  z.object({
    intent: z.literal('moderate'),
    letterId: z.coerce.number().int().positive(),
    decision: z.enum(['approve', 'reject']),
    reason: z.string().max(500).default(''),
  }),
])

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const parsed = ActionForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return refusalData(new Refusal('students.error.invalid'))
  const db = getDb()
  const actor = { id: staff.id, scope: stationScope(staff, access.action), ip: clientIp(context) }
  const f = parsed.data
  try {
    switch (f.intent) {
      case 'move': {
        const target = await studentIdByCode(db, f.toCode)
        const moved =
          target !== undefined &&
          (await moveSponsorship(db, actor, { sponsorshipId: f.sponsorshipId, toBeneficiaryId: target }))
        if (!moved || moved === 'notFound') return refusalData(new Refusal('sponsorships.error.target'))
        break
      }
      case 'letter':
        if ((await submitStudentLetter(db, actor, { sponsorshipId: f.sponsorshipId, body: f.body })) === 'notFound')
          return refusalData(new Refusal('sponsorships.error.target'))
        break
      case 'moderate':
        if ((await moderateLetter(db, actor, f)) === 'notFound') return refusalData(new Refusal('letters.error.done'))
        break
    }
    return redirect('/admin/sponsorships')
  } catch (e) {
    if (isRefusal(e)) return refusalData(e)
    throw e
  }
}

export default function Sponsorships() {
  const { sponsorships, letters, moderate, me } = useLoaderData<typeof loader>()
  const r = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{t('sponsorships.title')}</h1>
      <p className="muted">{t('sponsorships.rule')}</p>
      {r?.error ? (
        <p className="error-summary" role="alert">
          {t(r.error)}
        </p>
      ) : null}
      {sponsorships.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t('batches.student')}</th>
              <th scope="col">{t('batches.programme')}</th>
              <th scope="col">{t('sponsorships.schoolYear')}</th>
              <th scope="col">{t('sponsorships.frequency')}</th>
              <th scope="col">{t('batches.status')}</th>
              {moderate ? <th scope="col">{t('sponsorships.move')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {sponsorships.map((s) => (
              <tr key={s.id}>
                <td>{s.id}</td>
                <td>{s.publicCode}</td>
                <td>{locale === 'en' ? s.programmeEn : s.programme}</td>
                <td>{s.schoolYear}</td>
                <td>{t(s.frequency === 'monthly' ? 'donate.monthly' : 'donate.once')}</td>
                <td>
                  {t(codeKey('sponsorships.status.', s.status))}
                  {s.pauseReason ? ` (${t(codeKey('status.', s.pauseReason))})` : ''}
                </td>
                {moderate ? (
                  <td>
                    {s.status === 'paused' ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="move" />
                        <input type="hidden" name="sponsorshipId" value={s.id} />
                        <label htmlFor={`to-${s.id}`} className="visually-hidden">
                          {t('sponsorships.move')}
                        </label>
                        <input id={`to-${s.id}`} name="toCode" placeholder="HP-530627-0001" size={16} />
                        <button type="submit" className="button">
                          {t('sponsorships.moveSubmit')}
                        </button>
                      </Form>
                    ) : s.status === 'active' ? (
                      <Form method="post">
                        <input type="hidden" name="intent" value="letter" />
                        <input type="hidden" name="sponsorshipId" value={s.id} />
                        <label htmlFor={`letter-${s.id}`}>{t('letters.write')}</label>
                        <textarea id={`letter-${s.id}`} name="body" rows={2} maxLength={2000} />
                        <button type="submit" className="button">
                          {t('letters.submit')}
                        </button>
                      </Form>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{t('sponsorships.none')}</p>
      )}
      {moderate ? (
        <>
          <h2>{t('letters.title')}</h2>
          {letters.length ? (
            <ul>
              {letters.map((l) => (
                <li key={l.id}>
                  <p>
                    <strong>{t(l.direction === 'to_student' ? 'letters.toStudent' : 'letters.toSponsor')}</strong> ·{' '}
                    {l.publicCode} · {formatDate(l.submittedAt, locale)}
                  </p>
                  <blockquote>{l.body}</blockquote>
                  {l.submittedBy === me ? null : (
                    <Form method="post">
                      <input type="hidden" name="intent" value="moderate" />
                      <input type="hidden" name="letterId" value={l.id} />
                      <label htmlFor={`reason-${l.id}`}>{t('letters.reason')}</label>
                      <input id={`reason-${l.id}`} name="reason" maxLength={500} />
                      <button type="submit" name="decision" value="approve" className="button">
                        {t('letters.approve')}
                      </button>
                      <button type="submit" name="decision" value="reject" className="button">
                        {t('letters.reject')}
                      </button>
                    </Form>
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <p>{t('letters.none')}</p>
          )}
        </>
      ) : null}
    </section>
  )
}

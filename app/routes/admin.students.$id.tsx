import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { Field } from '~/components/admin/Field'
import { can, clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { IdParam } from '~/modules/auth/schema'
import { getStudentInScope, readStudentPersonalData, recordVerification } from '~/modules/stations/students.server'
import { getDb } from '~/utils/db.server'
import { codeKey, type MessageKey } from '~/utils/i18n'
import { gradeLabel } from '~/utils/words'
import { useLocale, useT } from '~/utils/locale'
import { notFound, refusalData } from '~/utils/http.server'
import { Refusal } from '~/utils/refusal'

export const access = { loader: 'students.read', action: 'students.write' } satisfies RouteAccess

const VerificationForm = z.object({
  nextVerificationOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'students.dateInvalid'),
})

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  // Out of the caller's station subtree is indistinguishable from not existing: 404.
  const student = await readStudentPersonalData(
    getDb(),
    { id: staff.id, scope: stationScope(staff, access.loader), ip: clientIp(context) },
    id.data,
  )
  if (!student) throw notFound()
  return { student, canWrite: can(staff, 'students.write', student.station_path) }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const parsed = VerificationForm.safeParse(Object.fromEntries(await request.formData()))
  const actor = { id: staff.id, scope: stationScope(staff, access.action), ip: clientIp(context) }
  if (!parsed.success) {
    // Validate scope before revealing anything about the input.
    if (!(await getStudentInScope(getDb(), actor.scope, id.data))) throw notFound()
    return refusalData(new Refusal('students.dateInvalid'))
  }
  if (!(await recordVerification(getDb(), actor, { id: id.data, nextVerificationOn: parsed.data.nextVerificationOn })))
    throw notFound()
  return redirect(`/admin/students/${id.data}`)
}

export default function StudentDetail() {
  const { student, canWrite } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const rows: [MessageKey, string][] = [
    ['students.legalName', student.legal_name],
    ['students.gender', t(`gender.${student.gender}`)],
    ['students.birthDate', student.birth_date],
    ['students.nationalId', student.national_id],
    ['students.school', student.school],
    ['students.grade', gradeLabel(student.grade, locale)],
    [
      'students.categories',
      student.categories.map((c) => t(codeKey('category.', c))).join(locale === 'en' ? ', ' : '、'),
    ],
    ['students.guardian', student.guardian_name],
    ['students.guardianPhone', student.guardian_phone],
    ['students.station', locale === 'en' ? student.station_name_en : student.station_name],
    ['students.status', t(codeKey('status.', student.status))],
    ['students.nextVerification', student.next_verification_on ?? '—'],
  ]
  return (
    <section>
      <h1>{student.public_code}</h1>
      <p>
        <Link to={`/admin/students/${student.id}/consent`}>{t('students.consent.manage')}</Link> ·{' '}
        <Link to={`/admin/students/${student.id}/status`}>{t('students.status.manage')}</Link> ·{' '}
        <Link to={`/admin/students/${student.id}/story`}>{t('story.manage')}</Link>
      </p>
      <p className="muted" role="note">
        {t('students.auditNotice')}
      </p>
      <dl className="record">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{t(k)}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {canWrite ? (
        <Form method="post" noValidate>
          <h2>{t('students.recordVerification')}</h2>
          <Field
            name="nextVerificationOn"
            type="date"
            label={t('students.nextVerification')}
            required
            error={result?.error ? t(result.error) : undefined}
          />
          <button type="submit" className="button">
            {t('common.save')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}

import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { can, clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { IdParam } from '~/modules/auth/schema'
import { allowedTransitions, changeStatus, statusHistory } from '~/modules/beneficiaries/registry.server'
import { STATUSES, type Status } from '~/modules/beneficiaries/schema'
import { getStudentInScope } from '~/modules/stations/students.server'
import { getDb } from '~/utils/db.server'
import { notFound, refusalData } from '~/utils/http.server'
import { formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { isRefusal, Refusal } from '~/utils/refusal'

// Status and its history (new → active → graduated / exited with a reason). Graduation
// or exit pauses the student's sponsorships and tells the sponsors.
export const access = { loader: 'students.read', action: 'students.write' } satisfies RouteAccess

export async function loader({ request, params }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const student = await getStudentInScope(getDb(), stationScope(staff, access.loader), id.data)
  if (!student) throw notFound()
  return {
    id: id.data,
    code: student.public_code,
    status: student.status as Status,
    next: allowedTransitions(student.status as Status),
    history: await statusHistory(getDb(), id.data),
    canWrite: can(staff, 'students.write', student.station_path),
  }
}

const StatusForm = z.object({ to: z.enum(STATUSES), reason: z.string().max(300).default('') })

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const scope = stationScope(staff, access.action)
  if (!(await getStudentInScope(getDb(), scope, id.data))) throw notFound()
  const parsed = StatusForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return refusalData(new Refusal('students.error.transition'))
  try {
    const r = await changeStatus(
      getDb(),
      { id: staff.id, scope, ip: clientIp(context) },
      { beneficiaryId: id.data, to: parsed.data.to, reason: parsed.data.reason },
    )
    if (r === 'notFound') throw notFound()
    return redirect(`/admin/students/${id.data}/status`)
  } catch (e) {
    if (isRefusal(e)) return refusalData(e)
    throw e
  }
}

export default function StudentStatus() {
  const { id, code, status, next, history, canWrite } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  // One form: a refusal on its transition or its reason is shown under it.
  const refused = result?.error ?? result?.errors?.to ?? result?.errors?.reason
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <p>
        <Link to={`/admin/students/${id}`}>← {code}</Link>
      </p>
      <h1>{t('students.status.title', { code })}</h1>
      <p>
        {t('students.status')}: <strong>{t(`status.${status}`)}</strong>
      </p>
      <h2>{t('students.status.history')}</h2>
      <ol>
        {history.map((h, i) => (
          <li key={i}>
            {formatDate(h.changed_at, locale)} · {h.from_status ? t(`status.${h.from_status}`) : '—'} →{' '}
            {t(`status.${h.to_status}`)}
            {h.reason ? ` · ${h.reason}` : ''}
          </li>
        ))}
      </ol>
      {canWrite ? (
        next.length ? (
          <Form method="post" className="form-narrow" noValidate>
            <h2>{t('students.status.change')}</h2>
            {refused ? (
              <p className="field-error" role="alert">
                {t(refused)}
              </p>
            ) : null}
            <div className="field">
              <label htmlFor="to">{t('students.status.to')}</label>
              <select id="to" name="to">
                {next.map((s) => (
                  <option key={s} value={s}>
                    {t(`status.${s}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="reason">{t('students.status.reason')}</label>
              <input id="reason" name="reason" maxLength={300} />
            </div>
            <button type="submit" className="button">
              {t('students.status.submit')}
            </button>
          </Form>
        ) : (
          <p className="muted">{t('students.status.none')}</p>
        )
      ) : null}
    </section>
  )
}

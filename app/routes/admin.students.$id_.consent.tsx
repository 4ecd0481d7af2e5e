import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { Field } from '~/components/admin/Field'
import { can, clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { IdParam } from '~/modules/auth/schema'
import { currentConsent, recordConsent, withdrawConsent } from '~/modules/beneficiaries/consent.server'
import { ConsentInput, issuesByField } from '~/modules/beneficiaries/schema'
import { recordAudit } from '~/modules/audit/audit.server'
import { getStudentInScope } from '~/modules/stations/students.server'
import { getDb } from '~/utils/db.server'
import { useT } from '~/utils/locale'
import { Refusal } from '~/utils/refusal'
import { formValues, notFound, refusalData, type RefusalBody } from '~/utils/http.server'

// A student's guardian consent: the current record, a new one, or a withdrawal that
// takes the child off every public surface at once.
export const access = { loader: 'students.read', action: 'students.write' } satisfies RouteAccess

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const student = await getStudentInScope(getDb(), stationScope(staff, access.loader), id.data)
  if (!student) throw notFound()
  const consent = await currentConsent(getDb(), id.data)
  // The guardian's name is personal data: the read is audited.
  await recordAudit(getDb(), {
    actorUserId: staff.id,
    action: 'student.consent_read',
    entityType: 'beneficiary',
    entityId: id.data,
    stationId: student.station_id,
    ip: clientIp(context),
  })
  const done = new URL(request.url).searchParams.get('done')
  return {
    id: id.data,
    code: student.public_code,
    consent,
    canWrite: can(staff, 'students.write', student.station_path),
    done: done === 'saved' || done === 'withdrawn' ? done : null,
  }
}

const Intent = z.enum(['record', 'withdraw'])

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const student = await getStudentInScope(getDb(), stationScope(staff, access.action), id.data)
  if (!student) throw notFound()
  const form = formValues(await request.formData())
  const intent = Intent.safeParse(form.intent)
  if (!intent.success) return refusalData(new Refusal('students.error.invalid', { field: 'form' }))
  const actor = { id: staff.id, ip: clientIp(context) }
  const where = { beneficiaryId: id.data, stationId: student.station_id }
  switch (intent.data) {
    case 'withdraw':
      await withdrawConsent(getDb(), actor, where)
      return redirect(`/admin/students/${id.data}/consent?done=withdrawn`)
    case 'record': {
      const parsed = ConsentInput.safeParse({
        guardianName: form.guardianName,
        relationship: form.relationship,
        consentedOn: form.consentedOn,
        publicStory: form.publicStory,
        photo: form.photo,
        firstNameToSponsor: form.firstNameToSponsor,
      })
      if (!parsed.success) return data<RefusalBody>({ errors: issuesByField(parsed.error) }, { status: 400 })
      await recordConsent(getDb(), actor, { ...where, consent: parsed.data })
      return redirect(`/admin/students/${id.data}/consent?done=saved`)
    }
  }
}

export default function Consent() {
  const { id, code, consent, canWrite, done } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const err = (f: string) => {
    const key = result?.errors?.[f]
    return key ? t(key) : undefined
  }
  const yes = (b: boolean) => t(b ? 'common.yes' : 'common.no')
  return (
    <section>
      <p>
        <Link to={`/admin/students/${id}`}>← {code}</Link>
      </p>
      <h1>{t('students.consent.title', { code })}</h1>
      {done ? (
        <p role="status">{t(done === 'saved' ? 'students.consent.saved' : 'students.consent.withdrawn')}</p>
      ) : null}
      <h2>{t('students.consent.current')}</h2>
      {consent ? (
        <dl>
          <div>
            <dt>{t('students.consentGuardian')}</dt>
            <dd>{consent.guardianName}</dd>
          </div>
          <div>
            <dt>{t('students.consentRelationship')}</dt>
            <dd>{consent.relationship}</dd>
          </div>
          <div>
            <dt>{t('students.consentedOn')}</dt>
            <dd>{consent.consentedOn}</dd>
          </div>
          <div>
            <dt>{t('students.consentPublicStory')}</dt>
            <dd>{yes(consent.publicStory)}</dd>
          </div>
          <div>
            <dt>{t('students.consentPhoto')}</dt>
            <dd>{yes(consent.photo)}</dd>
          </div>
          <div>
            <dt>{t('students.consentFirstName')}</dt>
            <dd>{yes(consent.firstNameToSponsor)}</dd>
          </div>
        </dl>
      ) : (
        <p>{t('students.consent.none')}</p>
      )}
      {canWrite && consent ? (
        <Form method="post">
          <input type="hidden" name="intent" value="withdraw" />
          <button type="submit" className="button">
            {t('students.consent.withdraw')}
          </button>
        </Form>
      ) : null}
      {canWrite ? (
        <Form method="post" noValidate className="form-narrow">
          <h2>{t('students.consent.record')}</h2>
          <input type="hidden" name="intent" value="record" />
          <Field name="guardianName" label={t('students.consentGuardian')} required error={err('guardianName')} />
          <Field name="relationship" label={t('students.consentRelationship')} required error={err('relationship')} />
          <Field name="consentedOn" type="date" label={t('students.consentedOn')} required error={err('consentedOn')} />
          <label className="choice">
            <input type="checkbox" name="publicStory" value="on" /> {t('students.consentPublicStory')}
          </label>
          <label className="choice">
            <input type="checkbox" name="photo" value="on" /> {t('students.consentPhoto')}
          </label>
          <label className="choice">
            <input type="checkbox" name="firstNameToSponsor" value="on" /> {t('students.consentFirstName')}
          </label>
          <button type="submit" className="button">
            {t('common.save')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}

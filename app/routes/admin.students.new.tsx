import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { Field, SelectField } from '~/components/admin/Field'
import { clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { registerBeneficiary } from '~/modules/beneficiaries/registry.server'
import {
  CATEGORIES,
  CONSENT_AGE,
  issuesByField,
  RegisterInput,
  registerFormValues,
} from '~/modules/beneficiaries/schema'
import { listStationsInScope } from '~/modules/stations/stations.server'
import { getDb } from '~/utils/db.server'
import { formValues, refusalData, type RefusalBody } from '~/utils/http.server'
import { chinaDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { isRefusal } from '~/utils/refusal'

export const access = { loader: 'students.write', action: 'students.write' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const stations = await listStationsInScope(getDb(), stationScope(staff, access.loader))
  return {
    // A deactivated station takes no new student (the server refuses one too).
    stations: stations
      .filter((s) => s.active)
      .map((s) => ({ id: s.id, name: s.name, nameEn: s.nameEn, depth: s.depth })),
    today: chinaDate(),
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const form = await request.formData()
  const values = formValues(form)
  const categories = form.getAll('categories').map(String)
  const parsed = RegisterInput.safeParse(registerFormValues(values, categories))
  if (!parsed.success)
    return data<RefusalBody & { values: typeof values }>(
      { errors: issuesByField(parsed.error), values },
      { status: 400 },
    )
  try {
    const created = await registerBeneficiary(
      getDb(),
      { id: staff.id, scope: stationScope(staff, access.action), ip: clientIp(context) },
      parsed.data,
    )
    return redirect(`/admin/students/${created.id}`)
  } catch (e) {
    if (isRefusal(e)) return refusalData(e, { values })
    throw e
  }
}

export default function NewStudent() {
  const { stations, today } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const v = result?.values ?? {}
  const err = (field: string) => {
    const key = result?.errors?.[field]
    return key ? t(key, result?.params) : undefined
  }
  const errorCount = Object.keys(result?.errors ?? {}).length
  return (
    <section>
      <h1>{t('students.new.title')}</h1>
      <p className="muted">{t('students.new.intro')}</p>
      {errorCount ? (
        <div className="error-summary" role="alert">
          {Object.entries(result?.errors ?? {}).map(([field, key]) => (
            <p key={field}>{key ? t(key, result?.params) : null}</p>
          ))}
        </div>
      ) : null}
      <Form method="post" noValidate className="form-narrow">
        <Field
          name="legalName"
          label={t('students.legalName')}
          required
          defaultValue={v.legalName}
          error={err('legalName')}
          autoComplete="off"
        />
        <SelectField
          name="gender"
          label={t('students.gender')}
          defaultValue={v.gender ?? 'female'}
          error={err('gender')}
          options={(['female', 'male', 'other'] as const).map((g) => ({
            value: g,
            label: t(`gender.${g}`),
          }))}
        />
        <Field
          name="birthDate"
          type="date"
          label={t('students.birthDate')}
          max={today}
          required
          defaultValue={v.birthDate}
          error={err('birthDate')}
        />
        <Field
          name="nationalId"
          label={t('students.nationalId')}
          required
          defaultValue={v.nationalId}
          error={err('nationalId')}
          autoComplete="off"
        />
        <Field name="school" label={t('students.school')} required defaultValue={v.school} error={err('school')} />
        <Field name="grade" label={t('students.grade')} required defaultValue={v.grade} error={err('grade')} />
        <fieldset>
          <legend>{t('students.categories')}</legend>
          {CATEGORIES.map((c) => (
            <label key={c} className="choice">
              <input type="checkbox" name="categories" value={c} /> {t(`category.${c}`)}
            </label>
          ))}
        </fieldset>
        <Field
          name="guardianName"
          label={t('students.guardian')}
          required
          defaultValue={v.guardianName}
          error={err('guardianName')}
        />
        <Field
          name="guardianPhone"
          type="tel"
          label={t('students.guardianPhone')}
          required
          defaultValue={v.guardianPhone}
          error={err('guardianPhone')}
        />
        <SelectField
          name="stationId"
          label={t('students.station')}
          defaultValue={v.stationId}
          error={err('stationId')}
          options={stations.map((s) => ({
            value: String(s.id),
            label: `${'—'.repeat(s.depth)} ${locale === 'en' ? s.nameEn : s.name}`,
          }))}
        />
        <fieldset aria-describedby="consent-hint">
          <legend>{t('students.consentSection')}</legend>
          <p id="consent-hint" className="muted">
            {t('students.consentHint')} ({CONSENT_AGE})
          </p>
          {err('consent') ? (
            <p className="field-error" role="alert">
              {err('consent')}
            </p>
          ) : null}
          <label className="choice">
            <input type="checkbox" name="consentGiven" value="on" defaultChecked={v.consentGiven === 'on'} />{' '}
            {t('students.consentGiven')}
          </label>
          <Field
            name="consentGuardianName"
            label={t('students.consentGuardian')}
            defaultValue={v.consentGuardianName}
            error={err('consent.guardianName')}
          />
          <Field
            name="consentRelationship"
            label={t('students.consentRelationship')}
            defaultValue={v.consentRelationship}
            error={err('consent.relationship')}
          />
          <Field
            name="consentedOn"
            type="date"
            label={t('students.consentedOn')}
            defaultValue={v.consentedOn}
            error={err('consent.consentedOn')}
          />
          <label className="choice">
            <input
              type="checkbox"
              name="consentPublicStory"
              value="on"
              defaultChecked={v.consentPublicStory === 'on'}
            />{' '}
            {t('students.consentPublicStory')}
          </label>
          <label className="choice">
            <input type="checkbox" name="consentPhoto" value="on" defaultChecked={v.consentPhoto === 'on'} />{' '}
            {t('students.consentPhoto')}
          </label>
          <label className="choice">
            <input type="checkbox" name="consentFirstName" value="on" defaultChecked={v.consentFirstName === 'on'} />{' '}
            {t('students.consentFirstName')}
          </label>
        </fieldset>
        <button type="submit" className="button">
          {t('students.new.submit')}
        </button>
      </Form>
    </section>
  )
}

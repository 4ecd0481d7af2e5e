import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { Field, SelectField } from '~/components/admin/Field'
import { can, clientIp, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { CATEGORIES } from '~/modules/beneficiaries/schema'
import { createProgramme, listProgrammes } from '~/modules/programmes/programmes.server'
import { ProgrammeInput } from '~/modules/programmes/schema'
import { issuesByField } from '~/modules/beneficiaries/schema'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { formValues, refusalData, type RefusalBody } from '~/utils/http.server'
import { codeKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { isRefusal } from '~/utils/refusal'

export const access = { loader: 'disbursements.read', action: 'programmes.manage' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  return {
    programmes: await listProgrammes(getDb()),
    canManage: can(staff, 'programmes.manage'),
    currencies: getEnv().CURRENCIES,
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const form = await request.formData()
  const values = formValues(form)
  const parsed = ProgrammeInput.safeParse({
    ...values,
    eligibleCategories: form.getAll('eligibleCategories').map(String),
  })
  if (!parsed.success)
    return data<RefusalBody & { values: typeof values }>(
      { errors: issuesByField(parsed.error), values },
      { status: 400 },
    )
  try {
    await createProgramme(getDb(), { id: staff.id, ip: clientIp(context) }, parsed.data)
  } catch (e) {
    if (isRefusal(e)) return refusalData(e, { values })
    throw e
  }
  return redirect('/admin/programmes')
}

export default function Programmes() {
  const { programmes, canManage, currencies } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const err = (f: string) => {
    const key = result?.errors?.[f]
    return key ? t(key) : undefined
  }
  const v = result?.values ?? {}
  return (
    <section>
      <h1>{t('programmes.title')}</h1>
      <p className="muted">{t('programmes.capNote')}</p>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('programmes.name')}</th>
            <th scope="col">{t('programmes.kind')}</th>
            <th scope="col">{t('programmes.award')}</th>
            <th scope="col">{t('programmes.terms')}</th>
            <th scope="col">{t('programmes.eligible')}</th>
            <th scope="col">{t('programmes.campaigns')}</th>
          </tr>
        </thead>
        <tbody>
          {programmes.map((p) => (
            <tr key={p.id}>
              <td>{locale === 'en' ? p.nameEn : p.name}</td>
              <td>{t(codeKey('programmes.kind.', p.kind))}</td>
              <td>{formatMoney(p.awardAmount, p.currency, locale)}</td>
              <td>{p.terms.join(', ')}</td>
              <td>{p.eligibleCategories.map((c) => t(codeKey('category.', c))).join('、')}</td>
              <td>{p.campaigns.map((c) => (locale === 'en' ? c.titleEn : c.title)).join('; ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canManage ? (
        <Form method="post" noValidate className="form-narrow">
          <h2>{t('programmes.create')}</h2>
          <Field name="slug" label={t('programmes.slug')} required defaultValue={v.slug} error={err('slug')} />
          <SelectField
            name="kind"
            label={t('programmes.kind')}
            defaultValue={v.kind ?? 'scholarship'}
            error={err('kind')}
            options={(['scholarship', 'sponsorship', 'wish', 'relief'] as const).map((k) => ({
              value: k,
              label: t(`programmes.kind.${k}`),
            }))}
          />
          <Field name="name" label={t('programmes.name')} required defaultValue={v.name} error={err('name')} />
          <Field name="nameEn" label={t('programmes.nameEn')} required defaultValue={v.nameEn} error={err('nameEn')} />
          <SelectField
            name="currency"
            label={t('programmes.currency')}
            defaultValue={v.currency ?? 'CNY'}
            error={err('currency')}
            options={currencies.map((c) => ({ value: c, label: c }))}
          />
          <Field
            name="awardAmount"
            label={t('programmes.award')}
            inputMode="decimal"
            required
            defaultValue={v.awardAmount}
            error={err('awardAmount')}
          />
          <Field name="terms" label={t('programmes.terms')} required defaultValue={v.terms} error={err('terms')} />
          <fieldset>
            <legend>{t('programmes.eligible')}</legend>
            {CATEGORIES.map((c) => (
              <label key={c} className="choice">
                <input type="checkbox" name="eligibleCategories" value={c} /> {t(`category.${c}`)}
              </label>
            ))}
            {err('eligibleCategories') ? (
              <p className="field-error" role="alert">
                {err('eligibleCategories')}
              </p>
            ) : null}
          </fieldset>
          <button type="submit" className="button">
            {t('common.save')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}

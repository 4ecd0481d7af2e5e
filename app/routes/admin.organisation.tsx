import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { Field, TextAreaField } from '~/components/admin/Field'
import { clientIp, Forbidden, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import { fieldErrors } from '~/modules/auth/schema'
import type { RouteAccess } from '~/modules/auth/permissions'
import { OrganisationForm, type Organisation } from '~/modules/organisation/schema'
import { getOrganisation, saveOrganisation } from '~/modules/organisation/settings.server'
import { getDb } from '~/utils/db.server'
import type { MessageKey } from '~/utils/i18n'
import { useT } from '~/utils/locale'

// The foundation's particulars: receipts, mail, the footer and campaign pages read them.
// They speak for the whole organisation, so only an admin of a root station edits them.

export const access = { loader: 'organisation.manage', action: 'organisation.manage' } satisfies RouteAccess

export const meta: MetaFunction = () => [{ title: '机构信息 · 希望账本' }]

async function requireOrganisationAdmin(request: Request) {
  const staff = await requireStaff(request, { permission: 'organisation.manage' })
  if (!hasRootScope(staff, 'organisation.manage')) throw new Forbidden('organisation.manage (root station)')
  return staff
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOrganisationAdmin(request)
  return { organisation: await getOrganisation(getDb()) }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireOrganisationAdmin(request)
  const form = await request.formData()
  const values = Object.fromEntries(
    [...form.entries()].filter(([, v]) => typeof v === 'string').map(([k, v]) => [k, String(v).slice(0, 2000)]),
  )
  const parsed = OrganisationForm.safeParse(values)
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error), values }, { status: 400 })
  await saveOrganisation(getDb(), { id: staff.id, ip: clientIp(context) }, parsed.data)
  return redirect('/admin/organisation?saved=1')
}

const FIELDS: Array<{ name: keyof Organisation; label: MessageKey; hint?: MessageKey; area?: boolean; type?: string }> =
  [
    { name: 'name', label: 'organisation.name' },
    { name: 'nameEn', label: 'organisation.nameEn' },
    { name: 'creditCode', label: 'organisation.creditCode', hint: 'organisation.creditCodeHint' },
    { name: 'fundraisingCertificate', label: 'organisation.fundraisingCertificate' },
    { name: 'phone', label: 'organisation.phone', type: 'tel' },
    { name: 'email', label: 'organisation.email', type: 'email' },
    { name: 'address', label: 'organisation.address' },
    { name: 'addressEn', label: 'organisation.addressEn' },
    {
      name: 'receiptWording',
      label: 'organisation.receiptWording',
      hint: 'organisation.receiptWordingHint',
      area: true,
    },
    { name: 'receiptWordingEn', label: 'organisation.receiptWordingEn', area: true },
    { name: 'receiptSignature', label: 'organisation.receiptSignature', hint: 'organisation.receiptSignatureHint' },
  ]

export default function OrganisationSettings() {
  const { organisation } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [search] = useSearchParams()
  const t = useT()
  const values: Record<string, string> = result?.values ?? organisation
  const err = (f: string) => (result?.errors[f] ? t(result.errors[f]) : undefined)
  return (
    <section className="form-narrow">
      <h1>{t('organisation.title')}</h1>
      <p className="muted">{t('organisation.intro')}</p>
      {search.get('saved') === '1' && !result ? <p role="status">{t('organisation.saved')}</p> : null}
      {result ? (
        <p className="error-summary" role="alert">
          {t('organisation.fixErrors')}
        </p>
      ) : null}
      <Form method="post" noValidate>
        {FIELDS.map((f) =>
          f.area ? (
            <TextAreaField
              key={f.name}
              name={f.name}
              label={t(f.label)}
              hint={f.hint ? t(f.hint) : undefined}
              defaultValue={values[f.name] ?? ''}
              maxLength={1000}
              error={err(f.name)}
            />
          ) : (
            <Field
              key={f.name}
              name={f.name}
              type={f.type ?? 'text'}
              label={t(f.label)}
              hint={f.hint ? t(f.hint) : undefined}
              defaultValue={values[f.name] ?? ''}
              required={f.name === 'name'}
              error={err(f.name)}
            />
          ),
        )}
        <button type="submit" className="button">
          {t('common.save')}
        </button>
      </Form>
    </section>
  )
}

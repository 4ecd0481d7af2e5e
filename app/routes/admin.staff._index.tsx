import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { Field, SelectField } from '~/components/admin/Field'
import { can, clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import { STAFF_ROLES, type RouteAccess } from '~/modules/auth/permissions'
import { fieldErrors, InviteForm } from '~/modules/auth/schema'
import { inviteStaff, listStaff } from '~/modules/auth/staff.server'
import { listStationsInScope } from '~/modules/stations/stations.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { codeKey, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'

export const access = { loader: 'staff.read', action: 'staff.manage' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const db = getDb()
  const canManage = can(staff, 'staff.manage')
  return {
    members: await listStaff(db, stationScope(staff, access.loader)),
    canManage,
    stations: canManage ? await listStationsInScope(db, stationScope(staff, 'staff.manage')) : [],
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const form = Object.fromEntries(await request.formData())
  const parsed = InviteForm.safeParse(form)
  if (!parsed.success) return data({ errors: fieldErrors(parsed.error), link: null }, { status: 400 })
  const actor = { id: staff.id, scope: stationScope(staff, access.action), ip: clientIp(context) }
  const result = await inviteStaff(getDb(), actor, parsed.data, getEnv().BASE_URL)
  if (!result.ok) {
    const errors: Record<string, MessageKey> =
      result.error === 'email_taken' ? { email: 'staff.emailTaken' } : { stationId: 'form.required' }
    return data({ errors, link: null }, { status: result.error === 'not_found' ? 404 : 400 })
  }
  // Shown once: only the token's hash is stored. Until mail is wired, the admin sends it.
  return { errors: {} as Record<string, MessageKey>, link: result.link }
}

export default function StaffList() {
  const { members, canManage, stations } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const err = (k: string) => (result?.errors?.[k] ? t(result.errors[k]) : undefined)
  return (
    <section>
      <h1>{t('admin.staff')}</h1>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('staff.name')}</th>
            <th scope="col">{t('auth.email')}</th>
            <th scope="col">{t('staff.roles')}</th>
            <th scope="col">{t('staff.state')}</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.id}>
              <td>
                <Link to={`/admin/staff/${m.id}`}>{m.displayName}</Link>
              </td>
              <td>{m.email}</td>
              <td>{m.grants.map((g) => `${t(codeKey('role.', g.role))} · ${g.stationName}`).join('; ')}</td>
              <td>{!m.active ? t('staff.inactive') : m.invited ? t('staff.invited') : t('staff.active')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canManage ? (
        <Form method="post" noValidate className="form-narrow">
          <h2>{t('staff.invite')}</h2>
          {result?.link ? (
            <p role="status">
              {t('staff.inviteLink')}{' '}
              <code className="hash" data-testid="invite-link">
                {result.link}
              </code>
            </p>
          ) : null}
          <Field name="email" type="email" label={t('auth.email')} required error={err('email')} />
          <Field name="displayName" label={t('staff.name')} required error={err('displayName')} />
          <SelectField
            name="role"
            label={t('staff.role')}
            error={err('role')}
            options={STAFF_ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))}
          />
          <SelectField
            name="stationId"
            label={t('staff.station')}
            error={err('stationId')}
            options={stations.map((s) => ({
              value: String(s.id),
              label: `${'— '.repeat(s.depth)}${locale === 'en' ? s.nameEn : s.name}`,
            }))}
          />
          <button type="submit" className="button">
            {t('staff.sendInvite')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}

import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { SelectField } from '~/components/admin/Field'
import { can, clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import { STAFF_ROLES, type RouteAccess } from '~/modules/auth/permissions'
import { forcePasswordReset } from '~/modules/auth/password-reset.server'
import { IdParam } from '~/modules/auth/schema'
import {
  addGrant,
  adminResetTotp,
  getStaffMember,
  reissueInvite,
  removeGrant,
  setActive,
  type StaffError,
} from '~/modules/auth/staff.server'
import { listStationsInScope } from '~/modules/stations/stations.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { codeKey, type MessageKey } from '~/utils/i18n'
import { isRefusal } from '~/utils/refusal'
import { useLocale, useT } from '~/utils/locale'
import { notFound, refusalData, type RefusalBody } from '~/utils/http.server'
import { Refusal } from '~/utils/refusal'

export const access = { loader: 'staff.read', action: 'staff.manage' } satisfies RouteAccess

export async function loader({ request, params }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const member = await getStaffMember(db, stationScope(staff, access.loader), id.data)
  if (!member) throw notFound()
  const canManage = can(staff, 'staff.manage')
  return {
    member,
    canManage,
    self: member.id === staff.id,
    stations: canManage ? await listStationsInScope(db, stationScope(staff, 'staff.manage')) : [],
  }
}

const StaffAction = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('add-grant'),
    role: z.enum(STAFF_ROLES),
    stationId: z.coerce.number().int().positive(),
  }),
  z.object({ intent: z.literal('remove-grant'), grantId: z.coerce.number().int().positive() }),
  z.object({ intent: z.literal('deactivate') }),
  z.object({ intent: z.literal('activate') }),
  z.object({ intent: z.literal('reissue-invite') }),
  z.object({ intent: z.literal('reset-totp') }),
  z.object({ intent: z.literal('force-reset') }),
])

const ERROR_KEYS: Record<StaffError, MessageKey> = {
  not_found: 'error.notFoundTitle',
  email_taken: 'staff.emailTaken',
  self: 'staff.notOnSelf',
  duplicate: 'staff.duplicateGrant',
  invalid_invite: 'staff.alreadyActive',
  password_length: 'auth.passwordLength',
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const actor = { id: staff.id, scope: stationScope(staff, access.action), ip: clientIp(context) }
  if (!(await getStaffMember(db, actor.scope, id.data))) throw notFound()
  const parsed = StaffAction.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return refusalData(new Refusal('form.required'), { link: null })
  const input = parsed.data
  const userId = id.data
  if (input.intent === 'force-reset') {
    try {
      await forcePasswordReset(db, actor, userId)
    } catch (e) {
      if (isRefusal(e) && e.status === 404) throw notFound()
      if (isRefusal(e)) return data({ error: e.messageKey, link: null }, { status: e.status })
      throw e
    }
    return redirect(`/admin/staff/${userId}?reset=1`)
  }
  const result =
    input.intent === 'add-grant'
      ? await addGrant(db, actor, { userId, role: input.role, stationId: input.stationId })
      : input.intent === 'remove-grant'
        ? await removeGrant(db, actor, { userId, grantId: input.grantId })
        : input.intent === 'reissue-invite'
          ? await reissueInvite(db, actor, userId, getEnv().BASE_URL)
          : input.intent === 'reset-totp'
            ? await adminResetTotp(db, actor, userId)
            : await setActive(db, actor, { userId, active: input.intent === 'activate' })
  if (!result.ok) {
    if (result.error === 'not_found') throw notFound()
    return refusalData(new Refusal(ERROR_KEYS[result.error]), { link: null })
  }
  const link = 'link' in result ? String(result.link) : null
  if (link) return data<RefusalBody & { link: string | null }>({ link })
  return redirect(`/admin/staff/${userId}`)
}

function IntentButton({ intent, label, children }: { intent: string; label: string; children?: React.ReactNode }) {
  return (
    <Form method="post">
      <input type="hidden" name="intent" value={intent} />
      {children}
      <button type="submit">{label}</button>
    </Form>
  )
}

export default function StaffMemberPage() {
  const { member, canManage, self, stations } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [search] = useSearchParams()
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{member.displayName}</h1>
      <p>
        {member.email} ·{' '}
        {!member.active ? t('staff.inactive') : member.invited ? t('staff.invited') : t('staff.active')}
      </p>
      {result?.error ? (
        <p className="error-summary" role="alert">
          {t(result.error)}
        </p>
      ) : null}
      {search.get('reset') === '1' && !result ? <p role="status">{t('staff.forceResetDone')}</p> : null}
      {result?.link ? (
        <p role="status">
          {t('staff.inviteLink')} <code data-testid="invite-link">{result.link}</code>
        </p>
      ) : null}
      <h2>{t('staff.roles')}</h2>
      <ul>
        {member.grants.map((g) => (
          <li key={g.id}>
            {t(codeKey('role.', g.role))} · {g.stationName}
            {canManage ? (
              <IntentButton intent="remove-grant" label={t('staff.removeGrant')}>
                <input type="hidden" name="grantId" value={g.id} />
              </IntentButton>
            ) : null}
          </li>
        ))}
      </ul>
      {canManage ? (
        <>
          <Form method="post" className="form-narrow">
            <h3>{t('staff.addGrant')}</h3>
            <input type="hidden" name="intent" value="add-grant" />
            <SelectField
              name="role"
              label={t('staff.role')}
              options={STAFF_ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))}
            />
            <SelectField
              name="stationId"
              label={t('staff.station')}
              options={stations.map((s) => ({
                value: String(s.id),
                label: `${'— '.repeat(s.depth)}${locale === 'en' ? s.nameEn : s.name}`,
              }))}
            />
            <button type="submit" className="button">
              {t('staff.addGrant')}
            </button>
          </Form>
          {self ? null : (
            <div className="inline-actions">
              {member.active ? (
                <IntentButton intent="deactivate" label={t('staff.deactivate')} />
              ) : (
                <IntentButton intent="activate" label={t('staff.activate')} />
              )}
              {member.invited ? <IntentButton intent="reissue-invite" label={t('staff.reissueInvite')} /> : null}
              <IntentButton intent="reset-totp" label={t('staff.resetTotp')} />
              {member.invited ? null : <IntentButton intent="force-reset" label={t('staff.forceReset')} />}
            </div>
          )}
        </>
      ) : null}
    </section>
  )
}

import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { recordAudit } from '~/modules/audit/audit.server'
import { clientIp, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { listUserSessions, revokeOtherSessions, revokeSession } from '~/modules/auth/session.server'
import { getDb } from '~/utils/db.server'
import { formatDateTime } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { notFound } from '~/utils/http.server'

export const access = { loader: 'self.sessions', action: 'self.sessions' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const sessions = await listUserSessions(getDb(), staff.id, staff.session.id)
  // The session id is the token's hash: show only a short reference of it.
  return { sessions: sessions.map((s) => ({ ...s, ref: s.id.slice(0, 8) })) }
}

const SessionAction = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('revoke-others') }),
  z.object({ intent: z.literal('revoke'), ref: z.string().regex(/^[0-9a-f]{8}$/) }),
])

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const parsed = SessionAction.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ ok: false }, { status: 400 })
  const db = getDb()
  if (parsed.data.intent === 'revoke-others') {
    const count = await revokeOtherSessions(db, staff.id, staff.session.id)
    await recordAudit(db, {
      actorUserId: staff.id,
      action: 'auth.sessions_revoked',
      entityType: 'user',
      entityId: staff.id,
      after: { count },
      ip: clientIp(context),
    })
  } else {
    const ref = parsed.data.ref
    const target = (await listUserSessions(db, staff.id, staff.session.id)).find(
      (s) => s.id.startsWith(ref) && !s.current,
    )
    if (!target) throw notFound()
    await revokeSession(db, staff.id, target.id)
    await recordAudit(db, {
      actorUserId: staff.id,
      action: 'auth.session_revoked',
      entityType: 'user',
      entityId: staff.id,
      after: { ref },
      ip: clientIp(context),
    })
  }
  return redirect('/admin/sessions')
}

export default function Sessions() {
  const { sessions } = useLoaderData<typeof loader>()
  const t = useT()
  const locale = useLocale()
  const when = (iso: string) => formatDateTime(iso, locale, { dateStyle: 'medium', timeStyle: 'short' })
  return (
    <section>
      <h1>{t('admin.sessions')}</h1>
      <p className="muted">{t('sessions.policy')}</p>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('sessions.device')}</th>
            <th scope="col">{t('sessions.ip')}</th>
            <th scope="col">{t('sessions.created')}</th>
            <th scope="col">{t('sessions.expires')}</th>
            <th scope="col">{t('sessions.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.ref}>
              <td>
                {s.userAgent ?? '—'} {s.current ? <strong>({t('sessions.current')})</strong> : null}
              </td>
              <td>{s.ip ?? '—'}</td>
              <td>{when(s.createdAt)}</td>
              <td>{when(s.expiresAt)}</td>
              <td>
                {s.current ? null : (
                  <Form method="post">
                    <input type="hidden" name="intent" value="revoke" />
                    <input type="hidden" name="ref" value={s.ref} />
                    <button type="submit">{t('sessions.revoke')}</button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Form method="post">
        <input type="hidden" name="intent" value="revoke-others" />
        <button type="submit" className="button">
          {t('sessions.revokeOthers')}
        </button>
      </Form>
    </section>
  )
}

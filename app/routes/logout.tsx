import { redirect, type ActionFunctionArgs } from '@remix-run/node'
import { recordAudit } from '~/modules/audit/audit.server'
import { clientIp } from '~/modules/auth/authorize.server'
import { blankSessionCookie, getRequestSession, invalidateSession } from '~/modules/auth/session.server'
import { getDb } from '~/utils/db.server'

// POST only: a GET never signs anyone out (no state change on GET).
export async function action({ request, context }: ActionFunctionArgs) {
  const db = getDb()
  const current = await getRequestSession(db, request)
  if (current) {
    await invalidateSession(db, current.session.id)
    await recordAudit(db, {
      actorUserId: current.user.id,
      action: 'auth.logout',
      entityType: 'user',
      entityId: current.user.id,
      ip: clientIp(context),
    })
  }
  // The donor portal's sign-out goes back to its own sign-in page; anything else to /login.
  const form = await request.formData().catch(() => null)
  const next = form?.get('next') === '/donor/signin' ? '/donor/signin' : '/login'
  return redirect(next, { headers: { 'Set-Cookie': blankSessionCookie(db) } })
}

export function loader() {
  return redirect('/')
}

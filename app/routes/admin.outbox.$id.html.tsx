import type { LoaderFunctionArgs } from '@remix-run/node'
import { hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import { IdParam } from '~/modules/auth/schema'
import type { RouteAccess } from '~/modules/auth/permissions'
import { EMAIL_PREVIEW_HEADERS, getOutboxMessage } from '~/modules/mail/queries.server'
import { getDb } from '~/utils/db.server'
import { notFound } from '~/utils/http.server'

// Resource route: one message's HTML, for the sandboxed iframe on admin.outbox.$id.
// The CSP (with `sandbox`) forbids scripts and same-origin access even if the file
// is opened on its own; frame-ancestors lets only our own pages frame it.
// (app/cli/server.ts leaves the app-wide CSP and X-Frame-Options off this path.)

export const access = { loader: 'outbox.read' } satisfies RouteAccess

const OUTBOX_HTML_HEADERS = {
  ...EMAIL_PREVIEW_HEADERS,
  'Content-Security-Policy': `${EMAIL_PREVIEW_HEADERS['Content-Security-Policy']}; frame-ancestors 'self'`,
  'X-Frame-Options': 'SAMEORIGIN',
  'Referrer-Policy': 'no-referrer',
} as const

export async function loader({ request, params }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const message = await getOutboxMessage(getDb(), id.data)
  if (!message) throw notFound()
  return new Response(message.rendered.html, { headers: OUTBOX_HTML_HEADERS })
}

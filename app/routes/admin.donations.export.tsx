import type { LoaderFunctionArgs } from '@remix-run/node'
import { recordAudit } from '~/modules/audit/audit.server'
import { clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import { download, notFound } from '~/utils/http.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { deskCsvStream } from '~/modules/donations/desk-export.server'
import { parseDeskQuery } from '~/modules/donations/desk.server'
import { chinaDate, resolveLocale, translator } from '~/utils/i18n'
import { getDb } from '~/utils/db.server'

// The accountant's export of the desk's filtered list (the same filters as /admin/donations).

export const access = { loader: 'donations.read' } satisfies RouteAccess

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const locale = resolveLocale(request)
  const parsed = parseDeskQuery(new URL(request.url).searchParams)
  if (!parsed.ok)
    return new Response(translator(locale)(parsed.message), {
      status: 400,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    })
  const db = getDb()
  const filters = { ...parsed.filters, before: undefined }
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'donations.export',
    entityType: 'donations',
    after: { filters },
    ip: clientIp(context),
  })
  return download(deskCsvStream(db, filters, locale), {
    type: 'text/csv; charset=utf-8',
    filename: `donations-${chinaDate()}.csv`,
  })
}

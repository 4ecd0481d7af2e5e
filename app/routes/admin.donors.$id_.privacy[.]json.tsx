import type { LoaderFunctionArgs } from '@remix-run/node'
import { recordAudit } from '~/modules/audit/audit.server'
import { clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { IdParam } from '~/modules/auth/schema'
import { exportDonor } from '~/modules/donations/donor-privacy.server'
import { getDb } from '~/utils/db.server'
import { download, notFound } from '~/utils/http.server'

// A donor's PIPL copy (article 45): everything we hold about them, as one JSON download.
// Audited without the data itself (the audit row names the donor id only).
export const access = { loader: 'donors.privacy' } satisfies RouteAccess

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const held = await exportDonor(db, id.data)
  if (!held) throw notFound()
  await recordAudit(db, {
    actorUserId: staff.id,
    action: 'donor.export',
    entityType: 'donor',
    entityId: id.data,
    ip: clientIp(context),
  })
  return download(JSON.stringify(held, null, 2), {
    type: 'application/json; charset=utf-8',
    filename: `donor-${id.data}.json`,
  })
}

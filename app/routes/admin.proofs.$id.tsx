import type { LoaderFunctionArgs } from '@remix-run/node'
import { clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { IdParam } from '~/modules/auth/schema'
import { recordAudit, type AuditKind } from '~/modules/audit/audit.server'
import { getProofInScope, readProofBytes } from '~/modules/disbursements/uploads.server'
import { getDb } from '~/utils/db.server'
import { download, notFound } from '~/utils/http.server'

// A payout or wish proof, for staff of the station's area; every read is audited
// (a bank slip or a receipt may carry a family's details).
export const access = { loader: 'disbursements.read' } satisfies RouteAccess

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const proof = await getProofInScope(getDb(), stationScope(staff, access.loader), id.data)
  if (!proof) throw notFound()
  const bytes = await readProofBytes(proof.path)
  if (!bytes)
    return new Response('The file is no longer stored.', {
      status: 410,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    })
  await recordAudit(getDb(), {
    actorUserId: staff.id,
    action: 'proof.read',
    // Stored by saveProof, whose entity type is an audit kind.
    entityType: proof.entity_type as AuditKind,
    entityId: proof.entity_id,
    stationId: proof.stationId,
    ip: clientIp(context),
  })
  const ext = proof.mime === 'application/pdf' ? 'pdf' : proof.mime === 'image/png' ? 'png' : 'jpg'
  return download(new Uint8Array(bytes), {
    type: proof.mime,
    filename: `proof-${proof.id}.${ext}`,
    headers: { 'Content-Length': String(bytes.length), 'X-Content-Type-Options': 'nosniff' },
  })
}

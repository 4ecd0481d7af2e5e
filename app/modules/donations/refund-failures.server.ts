// A refund that will not happen: the provider refused it when asked, or reported later that
// one it had accepted was closed or abnormal. The desk's request closes as failed (audited
// once) and nothing is booked, so the gift stays refundable in full.
import type { Selectable } from 'kysely'
import type { DB } from '~/utils/db.server'
import type { RefundRequestsTable } from '../../../db/tables/giving'
import { recordAudit } from '../audit/audit.server'

/** A request the provider refused, closed or could not pay out: closed as failed, nothing booked (once). */
export async function closeFailed(
  db: DB,
  r: Pick<Selectable<RefundRequestsTable>, 'id' | 'donation_id'>,
  failure: string,
  actor: { id: number | null; ip: string | null },
  now: Date,
) {
  await db.transaction().execute(async (trx) => {
    const closed = await trx
      .updateTable('refund_requests')
      .set({ status: 'failed', failure: failure.slice(0, 500), completed_at: now.toISOString() })
      .where('id', '=', r.id)
      .where('status', '=', 'requested')
      .executeTakeFirst()
    if (!Number(closed.numUpdatedRows)) return
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'refund.failed',
        entityType: 'donation',
        entityId: r.donation_id,
        after: { request: r.id, failure: failure || null },
        ip: actor.ip,
      },
      now,
    )
  })
}

/**
 * The provider reports later that a refund it had accepted (PROCESSING) was closed or is
 * abnormal (WeChat Pay's REFUND.CLOSED / REFUND.ABNORMAL: the money did not go back, finance
 * handles it in the merchant platform or refunds offline): the open request closes as failed,
 * so the desk stops showing it as on its way. A refund made outside the desk has no request.
 */
export async function refundClosedByProvider(db: DB, refundNumber: string, failure: string, now = new Date()) {
  const r = await db
    .selectFrom('refund_requests')
    .select(['id', 'donation_id'])
    .where('refund_number', '=', refundNumber)
    .where('status', '=', 'requested')
    .executeTakeFirst()
  if (r) await closeFailed(db, r, failure, { id: null, ip: null }, now)
  return !!r
}

import type { DB } from '~/utils/db.server'
import { chinaDate } from '~/utils/i18n'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import type { Approver } from '../auth/maker-checker'
import { postPayout } from '../ledger'
import { pathInScope } from '../stations/scope.server'
import { lockBatch } from './lock.server'
import { notifyDonorsOfBatch } from './notify.server'
import { saveProof } from './uploads.server'

/** Record the payout: the bank reference, the date, a proof file; posts every line's payout. */
export async function recordPayout(
  db: DB,
  actor: Approver,
  input: { batchId: number; reference: string; date: string; proof: Uint8Array },
  now = new Date(),
): Promise<'notFound' | 'paid'> {
  const reference = input.reference.trim()
  if (!reference || reference.length > 100) throw new Refusal('batches.error.reference')
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date) || input.date > chinaDate(now))
    throw new Refusal('batches.error.payoutDate', { field: 'date' })
  const at = now.toISOString()
  return db.transaction().execute(async (trx) => {
    const b = await lockBatch(trx, input.batchId)
    if (!b || !pathInScope(actor.scope, b.station_path)) return 'notFound'
    if (!actor.totpVerified) throw new Refusal('batches.error.totp', { status: 403 })
    if (b.status !== 'approved') throw new Refusal('batches.error.notApproved')
    // A payout never precedes the award it pays: the award is posted at the last approval.
    const awarded = b.approved_at ?? at
    if (input.date < chinaDate(new Date(awarded)))
      throw new Refusal('batches.error.payoutBeforeAward', {
        field: 'date',
        params: { date: chinaDate(new Date(awarded)) },
      })
    // One transfer pays one batch (a unique index holds this under concurrent payouts too).
    const other = await trx
      .selectFrom('award_batches')
      .select('id')
      .where('payout_reference', '=', reference)
      .executeTakeFirst()
    if (other)
      throw new Refusal('batches.error.referenceUsed', {
        field: 'reference',
        status: 409,
        params: { reference, batch: other.id },
      })
    const proof = await saveProof(
      trx,
      { entityType: 'award_batch', entityId: b.id, bytes: input.proof, uploadedBy: actor.id },
      now,
    )
    const lines = await trx
      .selectFrom('award_lines')
      .select(['id', 'beneficiary_id', 'amount'])
      .where('batch_id', '=', b.id)
      .orderBy('id')
      .execute()
    // Noon of the payout day, but never in the future nor before the award itself.
    const noon = `${input.date}T12:00:00.000Z`
    const occurredAt = [noon < at ? noon : at, awarded].sort().at(-1)!
    for (const l of lines) {
      await postPayout(trx, {
        idempotencyKey: `payout-line:${l.id}`,
        beneficiaryId: l.beneficiary_id,
        amount: l.amount,
        currency: b.currency,
        occurredAt,
        refs: { programme: b.programme_slug, term: b.term, batch: String(b.id) },
      })
    }
    await trx
      .updateTable('award_batches')
      .set({ status: 'paid', payout_reference: reference, payout_date: input.date, paid_by: actor.id, paid_at: at })
      .where('id', '=', b.id)
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'batch.paid',
        entityType: 'award_batch',
        entityId: b.id,
        stationId: b.station_id,
        before: { status: 'approved' },
        after: { status: 'paid', reference, date: input.date, proofId: proof.id },
        ip: actor.ip,
      },
      now,
    )
    await notifyDonorsOfBatch(trx, { batchId: b.id, lineIds: lines.map((l) => Number(l.id)), at })
    return 'paid'
  })
}

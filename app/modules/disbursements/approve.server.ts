import type { DB } from '~/utils/db.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import { assertChecker, type Actor, type Approver } from '../auth/maker-checker'
import { InsufficientFundsError, postAwards } from '../ledger'
import { pathInScope } from '../stations/scope.server'
import { lockBatch } from './lock.server'

// The checker's decision on a prepared batch: approve (finance with TOTP, never the
// preparer; the last approval required posts every award at once) or reject with a reason.

export type ApproveOutcome = 'notFound' | 'approved' | 'awaitingSecond'

/** One approval. The last one required posts all awards in the same transaction, or nothing. */
export async function approveBatch(
  db: DB,
  actor: Approver,
  input: { batchId: number },
  now = new Date(),
): Promise<ApproveOutcome> {
  const at = now.toISOString()
  return db.transaction().execute(async (trx) => {
    const b = await lockBatch(trx, input.batchId)
    if (!b || !pathInScope(actor.scope, b.station_path)) return 'notFound'
    if (b.status !== 'prepared') throw new Refusal('batches.error.notPrepared')
    assertChecker(actor, b.prepared_by, { totp: 'batches.error.totp', own: 'batches.error.ownBatch' })
    const earlier = await trx.selectFrom('batch_approvals').select('user_id').where('batch_id', '=', b.id).execute()
    if (earlier.some((e) => e.user_id === actor.id)) throw new Refusal('batches.error.alreadyApproved')
    await trx.insertInto('batch_approvals').values({ batch_id: b.id, user_id: actor.id, approved_at: at }).execute()
    if (earlier.length + 1 < b.approvals_required) {
      await recordAudit(
        trx,
        {
          actorUserId: actor.id,
          action: 'batch.first_approval',
          entityType: 'award_batch',
          entityId: b.id,
          stationId: b.station_id,
          after: { approvals: earlier.length + 1, required: b.approvals_required },
          ip: actor.ip,
        },
        now,
      )
      return 'awaitingSecond'
    }
    const lines = await trx
      .selectFrom('award_lines')
      .innerJoin('beneficiaries', 'beneficiaries.id', 'award_lines.beneficiary_id')
      .select([
        'award_lines.id',
        'award_lines.beneficiary_id',
        'award_lines.fund',
        'award_lines.amount',
        'beneficiaries.public_code',
        'beneficiaries.status',
      ])
      .where('award_lines.batch_id', '=', b.id)
      .orderBy('award_lines.id')
      .execute()
    for (const l of lines) {
      if (l.status !== 'active') throw new Refusal('batches.error.inactive', { params: { code: l.public_code } })
      const capped = await trx
        .insertInto('award_term_caps')
        .values({ beneficiary_id: l.beneficiary_id, term: b.term, line_id: l.id })
        .onConflict((oc) => oc.doNothing())
        .returning('line_id')
        .executeTakeFirst()
      if (!capped) throw new Refusal('batches.error.cap', { params: { code: l.public_code, term: b.term } })
    }
    try {
      // The whole batch at once: one FIFO walk per fund, refused whole if a fund cannot cover its lines.
      await postAwards(
        trx,
        lines.map((l) => ({
          idempotencyKey: `award-line:${l.id}`,
          fund: l.fund,
          beneficiaryId: l.beneficiary_id,
          beneficiaryCode: l.public_code,
          amount: l.amount,
          currency: b.currency,
          occurredAt: at,
          refs: { programme: b.programme_slug, term: b.term, batch: String(b.id) },
        })),
      )
    } catch (e) {
      if (e instanceof InsufficientFundsError)
        throw new Refusal('batches.error.insufficient', {
          params: {
            available: e.available,
            requested: e.requested,
            currency: e.currency,
          },
        })
      throw e
    }
    await trx.updateTable('award_batches').set({ status: 'approved', approved_at: at }).where('id', '=', b.id).execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'batch.approved',
        entityType: 'award_batch',
        entityId: b.id,
        stationId: b.station_id,
        before: { status: 'prepared' },
        after: { status: 'approved', approvals: earlier.length + 1 },
        ip: actor.ip,
      },
      now,
    )
    return 'approved'
  })
}

export async function rejectBatch(
  db: DB,
  actor: Actor,
  input: { batchId: number; reason: string },
  now = new Date(),
): Promise<'notFound' | 'rejected'> {
  const reason = input.reason.trim()
  if (!reason) throw new Refusal('batches.error.reason')
  return db.transaction().execute(async (trx) => {
    const b = await lockBatch(trx, input.batchId)
    if (!b || !pathInScope(actor.scope, b.station_path)) return 'notFound'
    if (b.status !== 'prepared') throw new Refusal('batches.error.notPrepared')
    await trx
      .updateTable('award_batches')
      .set({
        status: 'rejected',
        rejected_by: actor.id,
        rejected_at: now.toISOString(),
        reject_reason: reason.slice(0, 500),
      })
      .where('id', '=', b.id)
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'batch.rejected',
        entityType: 'award_batch',
        entityId: b.id,
        stationId: b.station_id,
        before: { status: 'prepared' },
        after: { status: 'rejected', reason },
        ip: actor.ip,
      },
      now,
    )
    return 'rejected'
  })
}

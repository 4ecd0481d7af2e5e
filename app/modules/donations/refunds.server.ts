import crypto from 'node:crypto'
import { sql, type Selectable, type Transaction } from 'kysely'
import type { DB } from '~/utils/db.server'
import { dialectOf } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { invariant, present } from '~/utils/invariant'
import { Refusal } from '~/utils/refusal'
import type { Database } from '../../../db/schema'
import type { RefundRequestsTable } from '../../../db/tables/giving'
import { recordAudit } from '../audit/audit.server'
import { assertChecker, type Approver } from '../auth/maker-checker'
import { lockHead } from '../ledger'
import type { PaymentProvider, RefundResult } from '../payments/provider'
import { lockDonation, reverseDonation, settleRefundRequest } from './fulfil.server'
import { isBooked, type DonationRow } from './lifecycle.server'
import { closeFailed } from './refund-failures.server'

// Refunds by staff, from the donation desk. A request is written first, in a transaction
// that holds the donation's lock and checks the refundable remainder — what the gift was,
// less what was reversed, less every request still open — so two staff refunding the same
// gift at once can never together ask for more. Then, outside any transaction (no lock is
// held across the network), the provider is asked under our refund number (Stripe's
// Idempotency-Key, Alipay's out_request_no, WeChat Pay's out_refund_no), and its answer is booked through
// reverseDonation under the provider's refund id: the same key the refund notification
// books under, so answer and notification book once in either order.
//
// An offline gift is refunded by the bank transfer staff already made; its reference is
// recorded. Above REFUND_SECOND_APPROVAL_ABOVE a request is only prepared; another finance
// or admin user approves it with TOTP (maker-checker, ../auth/maker-checker.ts), and only
// then is the provider asked. Every step is audited.

type Trx = Transaction<Database>
export type RefundRequestRow = Selectable<RefundRequestsTable>
export type RefundActor = { id: number; ip: string }

export type RefundDeps = {
  /** The provider that can give this gift's money back; null when none can (an offline refund is then needed). */
  providerFor: (donation: DonationRow) => PaymentProvider | null
  /** Above this (minor units), a second person approves. Default: REFUND_SECOND_APPROVAL_ABOVE. */
  secondApprovalAbove?: number
}

export type RefundOutcome = {
  requestId: number
  /** prepared: awaits approval; pending: the provider accepted it and its notification will book it. */
  status: 'succeeded' | 'pending' | 'prepared' | 'failed'
  failure?: string
}

/** Gifts the foundation received itself: the money goes back by bank transfer, with its reference. */
export const OFFLINE_PROVIDERS: ReadonlySet<string> = new Set(['offline', 'import'])

const OPEN = ['prepared', 'requested'] as const

const WORDS = { totp: 'refund.error.totp', own: 'refund.error.ownRefund' } as const

/** Our refund number: the gift's id and a random tail, so a fresh database never reuses a key Stripe still remembers. */
function newRefundNumber(donationPublicId: string): string {
  return `RF-${donationPublicId}-${crypto.randomBytes(5).toString('hex')}`.slice(0, 64)
}

async function lockDonationById(trx: Trx, donationId: number) {
  const row = await trx.selectFrom('donations').select('public_id').where('id', '=', donationId).executeTakeFirst()
  return row ? lockDonation(trx, { publicId: row.public_id }) : undefined
}

/**
 * What may still be refunded: the gift, less every reversal booked (refunds and lost
 * disputes), less the requests still open whose refund is not booked yet. Read under the
 * donation's lock.
 */
export async function refundableRemainder(trx: DB, donation: Pick<DonationRow, 'id' | 'amount'>): Promise<number> {
  const reversed = await trx
    .selectFrom('donation_reversals')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), sql<number>`0`).as('n'))
    .where('donation_id', '=', donation.id)
    .executeTakeFirstOrThrow()
  const open = await trx
    .selectFrom('refund_requests as r')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('r.amount'), sql<number>`0`).as('n'))
    .where('r.donation_id', '=', donation.id)
    .where('r.status', 'in', OPEN)
    .where((eb) =>
      eb.or([
        eb('r.provider_refund_id', 'is', null),
        eb.not(
          eb.exists(
            eb
              .selectFrom('donation_reversals as v')
              .select('v.id')
              .whereRef('v.provider_ref', '=', 'r.provider_refund_id'),
          ),
        ),
      ]),
    )
    .executeTakeFirstOrThrow()
  return donation.amount - Number(reversed.n) - Number(open.n)
}

export type RefundInput = { donationId: number; amount: number; reason: string; bankReference?: string | null }

/** Ask for a refund; books it at once below the threshold, else leaves it prepared for a second person. */
export async function requestRefund(
  db: DB,
  actor: RefundActor,
  input: RefundInput,
  deps: RefundDeps,
  now = new Date(),
): Promise<RefundOutcome | 'notFound'> {
  const reason = input.reason.trim()
  if (!reason || reason.length > 500) throw new Refusal('refund.error.reason', { field: 'reason' })
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
    throw new Refusal('refund.error.amount', { field: 'amount' })
  const threshold = deps.secondApprovalAbove ?? getEnv().REFUND_SECOND_APPROVAL_ABOVE
  const at = now.toISOString()
  const written = await db.transaction().execute(async (trx) => {
    const donation = await lockDonationById(trx, input.donationId)
    if (!donation) return 'notFound' as const
    if (!isBooked(donation.status) || donation.status === 'disputed')
      throw new Refusal('refund.error.notRefundable', { status: 409 })
    const offline = OFFLINE_PROVIDERS.has(donation.provider)
    const bankReference = (input.bankReference ?? '').trim()
    if (offline && (!bankReference || bankReference.length > 100))
      throw new Refusal('refund.error.bankReference', { field: 'bankReference' })
    if (!offline && !deps.providerFor(donation)?.refund) throw new Refusal('refund.error.noProvider', { status: 409 })
    const remainder = await refundableRemainder(trx, donation)
    if (input.amount > remainder)
      throw new Refusal('refund.error.exceeds', {
        field: 'amount',
        status: 409,
        params: { remainder: Math.max(remainder, 0), currency: donation.currency },
      })
    const status = input.amount > threshold ? 'prepared' : 'requested'
    const row = await trx
      .insertInto('refund_requests')
      .values({
        donation_id: donation.id,
        amount: input.amount,
        currency: donation.currency,
        reason,
        bank_reference: offline ? bankReference : null,
        status,
        refund_number: newRefundNumber(donation.public_id),
        provider_refund_id: null,
        failure: null,
        prepared_by: actor.id,
        prepared_at: at,
        approved_by: null,
        approved_at: null,
        rejected_by: null,
        rejected_at: null,
        completed_at: null,
      })
      .returning(['id', 'status'])
      .executeTakeFirstOrThrow()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: status === 'prepared' ? 'refund.prepared' : 'refund.requested',
        entityType: 'donation',
        entityId: donation.id,
        after: { request: row.id, amount: input.amount, currency: donation.currency, reason, bankReference },
        ip: actor.ip,
      },
      now,
    )
    return row
  })
  if (written === 'notFound') return written
  if (written.status === 'prepared') return { requestId: Number(written.id), status: 'prepared' }
  return executeRefund(db, actor, Number(written.id), deps, now)
}

async function lockRequest(trx: Trx, requestId: number) {
  let q = trx.selectFrom('refund_requests').selectAll().where('id', '=', requestId)
  if (dialectOf(trx) === 'postgres') q = q.forUpdate()
  return q.executeTakeFirst()
}

/** The second person's approval, with TOTP, never the preparer's; then the refund is made. */
export async function approveRefund(
  db: DB,
  approver: Approver,
  input: { donationId: number; requestId: number },
  deps: RefundDeps,
  now = new Date(),
): Promise<RefundOutcome | 'notFound'> {
  const approved = await db.transaction().execute(async (trx) => {
    const r = await lockRequest(trx, input.requestId)
    if (!r || r.donation_id !== input.donationId) return 'notFound' as const
    if (r.status !== 'prepared') throw new Refusal('refund.error.notPrepared', { status: 409 })
    assertChecker(approver, r.prepared_by, WORDS)
    await trx
      .updateTable('refund_requests')
      .set({ status: 'requested', approved_by: approver.id, approved_at: now.toISOString() })
      .where('id', '=', r.id)
      .where('status', '=', 'prepared')
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: approver.id,
        action: 'refund.approved',
        entityType: 'donation',
        entityId: r.donation_id,
        before: { request: r.id, status: 'prepared', preparedBy: r.prepared_by },
        after: { request: r.id, status: 'requested', amount: r.amount },
        ip: approver.ip,
      },
      now,
    )
    return r
  })
  if (approved === 'notFound') return approved
  return executeRefund(db, approver, Number(approved.id), deps, now)
}

/** Turn a prepared refund down (the preparer may withdraw their own); its amount is free again. */
export async function rejectRefund(
  db: DB,
  actor: RefundActor,
  input: { donationId: number; requestId: number },
  now = new Date(),
): Promise<'rejected' | 'notFound'> {
  return db.transaction().execute(async (trx) => {
    const r = await lockRequest(trx, input.requestId)
    if (!r || r.donation_id !== input.donationId) return 'notFound'
    if (r.status !== 'prepared') throw new Refusal('refund.error.notPrepared', { status: 409 })
    const at = now.toISOString()
    await trx
      .updateTable('refund_requests')
      .set({ status: 'rejected', rejected_by: actor.id, rejected_at: at, completed_at: at })
      .where('id', '=', r.id)
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'refund.rejected',
        entityType: 'donation',
        entityId: r.donation_id,
        before: { request: r.id, status: 'prepared' },
        after: { request: r.id, status: 'rejected' },
        ip: actor.ip,
      },
      now,
    )
    return 'rejected'
  })
}

/**
 * Make a requested refund: ask the provider (or, offline, take the bank reference as done)
 * and book the answer. Safe to call again for a request left open by a timeout or crash:
 * the same refund number asks for the same refund.
 */
export async function executeRefund(
  db: DB,
  actor: RefundActor,
  requestId: number,
  deps: RefundDeps,
  now = new Date(),
): Promise<RefundOutcome> {
  const r = present(
    await db.selectFrom('refund_requests').selectAll().where('id', '=', requestId).executeTakeFirst(),
    `refund request ${requestId}`,
  )
  if (r.status === 'succeeded' || r.status === 'failed') return { requestId, status: r.status }
  invariant(r.status === 'requested', () => `refund request ${requestId} is ${r.status}, not requested`)
  const donation = present(
    await db.selectFrom('donations').selectAll().where('id', '=', r.donation_id).executeTakeFirst(),
    `donation ${r.donation_id}`,
  )
  if (r.bank_reference !== null) {
    return book(db, actor, r, {
      refundId: `offline:${r.refund_number}`,
      status: 'succeeded',
      amount: r.amount,
      currency: r.currency,
      refundedAt: now.toISOString(),
    })
  }
  const provider = deps.providerFor(donation)
  invariant(provider?.refund, () => `donation ${donation.public_id}: no provider refunds it (checked at request)`)
  const result = await provider.refund({
    refundNumber: r.refund_number,
    donationPublicId: donation.public_id,
    paymentRef: donation.provider_payment_intent_id ?? donation.public_id,
    amount: r.amount,
    paymentAmount: donation.amount,
    currency: r.currency,
    reason: r.reason,
  })
  if (result.status === 'failed') {
    await closeFailed(db, r, result.failure ?? '', actor, now)
    return { requestId, status: 'failed', failure: result.failure }
  }
  if (result.status === 'pending') {
    // The provider's notification books it; reverseDonation then settles this request. When
    // the notification came first (booked, nothing to settle yet), the request settles now.
    const settled = await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('refund_requests')
        .set({ provider_refund_id: result.refundId })
        .where('id', '=', r.id)
        .where('provider_refund_id', 'is', null)
        .execute()
      const booked = await trx
        .selectFrom('donation_reversals')
        .select('occurred_at')
        .where('provider_ref', '=', result.refundId)
        .executeTakeFirst()
      if (booked) await settleRefundRequest(trx, result.refundId, booked.occurred_at)
      return !!booked
    })
    return { requestId, status: settled ? 'succeeded' : 'pending' }
  }
  return book(db, actor, r, result)
}

/** Ask the provider again for a request its first call left open (a timeout): same refund number, same refund. */
export async function retryRefund(
  db: DB,
  actor: RefundActor,
  input: { donationId: number; requestId: number },
  deps: RefundDeps,
  now = new Date(),
): Promise<RefundOutcome | 'notFound'> {
  const r = await db.selectFrom('refund_requests').selectAll().where('id', '=', input.requestId).executeTakeFirst()
  if (!r || r.donation_id !== input.donationId) return 'notFound'
  if (r.status !== 'requested') throw new Refusal('refund.error.notPrepared', { status: 409 })
  return executeRefund(db, actor, r.id, deps, now)
}

/** Book the provider's answer (once: a notification may have booked it already) and close the request. */
async function book(db: DB, actor: RefundActor, r: RefundRequestRow, result: RefundResult): Promise<RefundOutcome> {
  return db.transaction().execute(async (trx) => {
    // The head before the donation row, the order every poster keeps (ledger/post.server.ts).
    await lockHead(trx)
    const donation = present(await lockDonationById(trx, r.donation_id), `donation ${r.donation_id}`)
    // Tie the request to its refund id first, so the booking below settles it.
    await trx
      .updateTable('refund_requests')
      .set({ provider_refund_id: result.refundId })
      .where('id', '=', r.id)
      .execute()
    const outcome = await reverseDonation(trx, donation, {
      kind: 'refund',
      providerRef: result.refundId,
      amount: result.amount,
      currency: result.currency,
      occurredAt: result.refundedAt,
    })
    await settleRefundRequest(trx, result.refundId, result.refundedAt)
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'refund.succeeded',
      entityType: 'donation',
      entityId: r.donation_id,
      after: { request: r.id, refundId: result.refundId, amount: result.amount, booked: outcome },
      ip: actor.ip,
    })
    return { requestId: Number(r.id), status: 'succeeded' as const }
  })
}

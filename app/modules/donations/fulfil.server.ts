import { sql, type Transaction } from 'kysely'
import { dialectOf } from '~/utils/db.server'
import type { Database } from '../../../db/schema'
import { invariant } from '~/utils/invariant'
import { postDonation, postRefund, type DonationInput } from '../ledger'
import { issueReceiptForDonation, queueRefundNotice } from '../receipts/issue.server'
import { matchGift, returnMatch } from '../matching/match.server'
import type { PaymentDetails } from '../payments/provider'
import { awaitsPayment, isBooked, moveDonation, type DonationRow, type MoveFields } from './lifecycle.server'
import type { FulfilOutcome, ReversalOutcome } from './outcomes'

// Fulfilment and reversals of one donation. Every function runs inside the caller's
// transaction, so the ledger posting, the donation's status and the receipt job
// commit together or not at all. Status moves go through moveDonation (./lifecycle.server.ts).

type Trx = Transaction<Database>

/** Read a donation and, on PostgreSQL, lock it for the rest of the transaction. */
export async function lockDonation(
  trx: Trx,
  where: { publicId?: string; paymentIntentId?: string; chargeId?: string },
) {
  let query = trx.selectFrom('donations').selectAll()
  if (where.publicId) query = query.where('public_id', '=', where.publicId)
  else if (where.paymentIntentId) query = query.where('provider_payment_intent_id', '=', where.paymentIntentId)
  else if (where.chargeId) query = query.where('provider_charge_id', '=', where.chargeId)
  else return undefined
  // SQLite already holds the database write lock (BEGIN IMMEDIATE); FOR UPDATE is PostgreSQL's equivalent.
  return (dialectOf(trx) === 'postgres' ? query.forUpdate() : query).executeTakeFirst()
}

export type Payment = PaymentDetails & { paidAt: string; sessionId?: string | null; invoiceId?: string | null }

/** Mark a pending donation paid, book it in the ledger, and issue its receipt. Idempotent. */
export async function fulfilDonation(trx: Trx, donation: DonationRow, payment: Payment): Promise<FulfilOutcome> {
  // Paid, refunded or disputed already: a replay. Canceled: the checkout expired, nothing to book.
  if (!awaitsPayment(donation.status)) return 'already'
  checkCurrency(donation, payment)
  await moveDonation(trx, donation, 'paid', paidFields(payment))
  await postDonation(trx, donationPosting(donation, payment, await teamRefs(trx, donation.team_id)))
  // A matching pool's top-up, if the gift qualifies: same transaction, same head lock.
  await matchGift(trx, donation, { amount: payment.amount, paidAt: payment.paidAt })
  await issueReceiptForDonation(trx, { donationId: donation.id, issuedAt: payment.paidAt })
  return 'fulfilled'
}

export function checkCurrency(donation: DonationRow, payment: Payment): void {
  if (payment.currency !== donation.currency) {
    throw new Error(`donation ${donation.public_id}: paid in ${payment.currency}, expected ${donation.currency}`)
  }
}

/** What a payment writes on its donation as the donation moves to paid. */
export function paidFields(payment: Payment): MoveFields {
  return {
    amount: payment.amount,
    fee_amount: payment.fee,
    paid_at: payment.paidAt,
    provider_payment_intent_id: payment.paymentIntentId,
    provider_charge_id: payment.chargeId,
    ...(payment.sessionId ? { provider_session_id: payment.sessionId } : {}),
    ...(payment.invoiceId ? { provider_invoice_id: payment.invoiceId } : {}),
  }
}

/** The ledger posting of a paid gift. */
export function donationPosting(donation: DonationRow, payment: Payment, refs?: { team: string }): DonationInput {
  return {
    idempotencyKey: `donation:${donation.public_id}`,
    donationRef: donation.public_id,
    fund: donation.fund,
    amount: payment.amount,
    fee: payment.fee,
    currency: payment.currency,
    paidAt: payment.paidAt,
    displayName: donation.display_name,
    refs,
  }
}

/** A gift through a team page carries the page's code in its hashed record (public/open-data.md). */
async function teamRefs(trx: Trx, teamId: number | null): Promise<{ team: string } | undefined> {
  if (teamId === null || teamId === undefined) return undefined
  const team = await trx.selectFrom('team_pages').select('code').where('id', '=', teamId).executeTakeFirstOrThrow()
  return { team: team.code }
}

/**
 * Record one refund or dispute withdrawal, identified by the provider's own id, so the
 * same refund delivered twice books once and each amount comes from the provider's object.
 */
export async function reverseDonation(
  trx: Trx,
  donation: DonationRow,
  reversal: { kind: 'refund' | 'dispute'; providerRef: string; amount: number; currency: string; occurredAt: string },
): Promise<ReversalOutcome> {
  // Only a booked gift can be reversed; the caller books a pending one first (the ledger refuses otherwise).
  invariant(isBooked(donation.status), () => `donation ${donation.public_id} is ${donation.status}: nothing to reverse`)
  const inserted = await trx
    .insertInto('donation_reversals')
    .values({
      donation_id: donation.id,
      kind: reversal.kind,
      provider_ref: reversal.providerRef,
      amount: reversal.amount,
      currency: reversal.currency,
      occurred_at: reversal.occurredAt,
    })
    .onConflict((oc) => oc.column('provider_ref').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) {
    await settleRefundRequest(trx, reversal.providerRef, reversal.occurredAt)
    return 'already'
  }
  await postRefund(trx, {
    idempotencyKey: `${reversal.kind}:${reversal.providerRef}`,
    donationRef: donation.public_id,
    amount: reversal.amount,
    currency: reversal.currency,
    occurredAt: reversal.occurredAt,
    reason: reversal.kind,
  })
  await returnMatch(trx, donation, reversal.occurredAt)
  const totals = await trx
    .selectFrom('donation_reversals')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>(sql`case when kind = 'refund' then amount else 0 end`), sql`0`).as('refunded'),
    ])
    .where('donation_id', '=', donation.id)
    .executeTakeFirstOrThrow()
  const refunded = Number(totals.refunded)
  const status =
    reversal.kind === 'dispute' ? 'disputed' : refunded >= donation.amount ? 'refunded' : 'partially_refunded'
  await moveDonation(trx, donation, status, { refunded_amount: refunded })
  await settleRefundRequest(trx, reversal.providerRef, reversal.occurredAt)
  if (reversal.kind === 'refund') {
    await queueRefundNotice(trx, {
      donationId: donation.id,
      amount: reversal.amount,
      currency: reversal.currency,
      occurredAt: reversal.occurredAt,
      dedupeKey: `refund:${reversal.providerRef}`,
    })
  }
  return 'reversed'
}

/** A refund booked under this id closes the staff request that asked for it, if any (refunds.server.ts). */
export async function settleRefundRequest(trx: Trx, providerRef: string, at: string): Promise<void> {
  await trx
    .updateTable('refund_requests')
    .set({ status: 'succeeded', completed_at: at })
    .where('provider_refund_id', '=', providerRef)
    .where('status', '=', 'requested')
    .execute()
}

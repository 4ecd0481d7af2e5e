import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { present } from '~/utils/invariant'
import { Refusal } from '~/utils/refusal'
import { queueReceiptEmail } from './receipt-mail.server'
import { insertReceipt } from './numbering.server'

// Corrections. An issued receipt is never edited (database triggers refuse it): it is
// voided, and where the gift still stands a new receipt is issued that points back
// at the voided one. Staff may also attach the official 公益事业捐赠票据 once.

type Trx = Kysely<Database>

/** Void a receipt once; returns false when it was already voided. */
export async function voidReceipt(
  trx: Trx,
  { receiptId, reason, voidedAt }: { receiptId: number; reason: string; voidedAt: string },
): Promise<boolean> {
  if (!reason.trim()) throw new Refusal('receipts.error.voidReason', { field: 'reason' })
  const result = await trx
    .updateTable('receipts')
    .set({ voided_at: voidedAt, void_reason: reason.trim() })
    .where('id', '=', receiptId)
    .where('voided_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/**
 * Void a receipt and issue its replacement from the donation as it stands now (a
 * corrected donor name; the amount net of refunds), with a new number and code,
 * and email it. A receipt is replaced at most once (replaces_receipt_id is unique).
 */
export async function reissueReceipt(
  trx: Trx,
  { receiptId, reason, issuedAt }: { receiptId: number; reason: string; issuedAt: string },
): Promise<{ receiptId: number; number: string }> {
  const old = present(
    await trx.selectFrom('receipts').selectAll().where('id', '=', receiptId).executeTakeFirst(),
    () => `receipt ${receiptId}`,
  )
  const successor = await trx
    .selectFrom('receipts')
    .select('id')
    .where('replaces_receipt_id', '=', receiptId)
    .executeTakeFirst()
  if (successor) throw new Refusal('receipts.error.alreadyReissued', { params: { number: old.number }, status: 409 })
  const d = await trx.selectFrom('donations').selectAll().where('id', '=', old.donation_id).executeTakeFirstOrThrow()
  const amount = d.amount - d.refunded_amount
  if (amount <= 0) throw new Refusal('receipts.error.fullyReturned', { status: 409 })
  await voidReceipt(trx, { receiptId, reason, voidedAt: issuedAt })
  const row = await insertReceipt(trx, {
    donationId: d.id,
    amount,
    currency: d.currency,
    donorName: d.donor_name,
    campaignId: d.campaign_id,
    designation: d.designation,
    paidAt: old.paid_at,
    issuedAt,
    replaces: old.id,
  })
  await queueReceiptEmail(trx, row.receiptId)
  return row
}

/** Attach the official finance-bureau receipt's code and number, once, to a valid receipt. */
export async function attachOfficialReceipt(
  trx: Trx,
  { receiptId, code, number, attachedAt }: { receiptId: number; code: string; number: string; attachedAt: string },
): Promise<boolean> {
  if (!code.trim() || !number.trim()) throw new Refusal('receipts.error.officialBoth')
  const result = await trx
    .updateTable('receipts')
    .set({ official_code: code.trim(), official_number: number.trim(), official_attached_at: attachedAt })
    .where('id', '=', receiptId)
    .where('official_code', 'is', null)
    .where('voided_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export type RefundSettlement = { action: 'none' | 'voided' | 'reissued'; voided: string | null; current: string | null }

/**
 * Bring a donation's receipt in line with its refunds (donations.refunded_amount,
 * already updated by the caller): fully refunded → the receipt is voided; partly →
 * voided and reissued for the amount kept. Idempotent: a receipt that already
 * matches is left alone.
 */
export async function settleReceiptAfterRefund(
  trx: Trx,
  { donationId, occurredAt }: { donationId: number; occurredAt: string },
): Promise<RefundSettlement> {
  const d = await trx
    .selectFrom('donations')
    .select(['amount', 'refunded_amount'])
    .where('id', '=', donationId)
    .executeTakeFirst()
  const current = await trx
    .selectFrom('receipts')
    .select(['id', 'number', 'amount', 'voided_at'])
    .where('donation_id', '=', donationId)
    .orderBy('id', 'desc')
    .executeTakeFirst()
  if (!d || !current || current.voided_at)
    return { action: 'none', voided: null, current: current && !current.voided_at ? current.number : null }
  const kept = d.amount - d.refunded_amount
  if (kept === current.amount) return { action: 'none', voided: null, current: current.number }
  if (kept <= 0) {
    await voidReceipt(trx, { receiptId: current.id, reason: 'refunded', voidedAt: occurredAt })
    return { action: 'voided', voided: current.number, current: null }
  }
  const next = await reissueReceipt(trx, { receiptId: current.id, reason: 'partly refunded', issuedAt: occurredAt })
  return { action: 'reissued', voided: current.number, current: next.number }
}

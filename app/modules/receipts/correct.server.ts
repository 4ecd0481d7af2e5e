import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { queueReceiptEmail, ReceiptError } from './issue.server'
import { nextReceiptNumber, receiptYear } from './numbering.server'
import { newVerificationCode } from './code.server'

// Corrections. An issued receipt is never edited (database triggers refuse it): it is
// voided, and where the gift still stands a new receipt is issued that points back
// at the voided one. Staff may also attach the official 公益事业捐赠票据 once.

type Trx = Kysely<Database>

/** Void a receipt once; returns false when it was already voided. */
export async function voidReceipt(trx: Trx, { receiptId, reason, voidedAt }: { receiptId: number; reason: string; voidedAt: string }): Promise<boolean> {
  if (!reason.trim()) throw new ReceiptError('a void needs a reason')
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
  const old = await trx.selectFrom('receipts').selectAll().where('id', '=', receiptId).executeTakeFirst()
  if (!old) throw new ReceiptError(`receipt ${receiptId} not found`)
  const successor = await trx.selectFrom('receipts').select('id').where('replaces_receipt_id', '=', receiptId).executeTakeFirst()
  if (successor) throw new ReceiptError(`receipt ${old.number} was already reissued`)
  const d = await trx.selectFrom('donations').selectAll().where('id', '=', old.donation_id).executeTakeFirstOrThrow()
  const amount = d.amount - d.refunded_amount
  if (amount <= 0) throw new ReceiptError(`donation ${d.id} was fully returned; void its receipt instead of reissuing`)
  await voidReceipt(trx, { receiptId, reason, voidedAt: issuedAt })
  const year = receiptYear(issuedAt)
  const { sequence, number } = await nextReceiptNumber(trx, year)
  const row = await trx
    .insertInto('receipts')
    .values({
      number,
      year,
      sequence,
      donation_id: d.id,
      amount,
      currency: d.currency,
      donor_name: d.donor_name,
      campaign_id: d.campaign_id,
      designation: d.designation,
      paid_at: old.paid_at,
      verification_code: newVerificationCode(),
      issued_at: issuedAt,
      replaces_receipt_id: old.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await queueReceiptEmail(trx, row.id)
  return { receiptId: row.id, number }
}

/** Attach the official finance-bureau receipt's code and number, once, to a valid receipt. */
export async function attachOfficialReceipt(
  trx: Trx,
  { receiptId, code, number, attachedAt }: { receiptId: number; code: string; number: string; attachedAt: string },
): Promise<boolean> {
  if (!code.trim() || !number.trim()) throw new ReceiptError('the official receipt needs both its code and its number')
  const result = await trx
    .updateTable('receipts')
    .set({ official_code: code.trim(), official_number: number.trim(), official_attached_at: attachedAt })
    .where('id', '=', receiptId)
    .where('official_code', 'is', null)
    .where('voided_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

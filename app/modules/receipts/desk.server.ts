import { z } from 'zod'
import type { DB } from '~/utils/db.server'
import { dialectOf } from '~/utils/db.server'
import { present } from '~/utils/invariant'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import { attachOfficialReceipt, reissueReceipt } from './correct.server'
import { queueReceiptEmail } from './receipt-mail.server'

// What finance does to a donation's receipt from the desk (/admin/donations/<id>):
//  - resend it, to the donation's address as it is now (never the address the first
//    mail went to: GiveWP's resend goes to the old one);
//  - correct the donor's name or email. The receipt is never edited: it is voided and
//    reissued (new number, new verification code, linked to the old one) and the new
//    one is mailed to the corrected address. Also for an email-only correction: the old
//    verification code went to the wrong address, and voiding it withdraws what that
//    code opens. The public display name (in the ledger) is not touched.
// Both are audited; the correction with the before and after.

export type Actor = { id: number; ip?: string | null }

export const ResendForm = z.object({ key: z.string().regex(/^[A-Za-z0-9-]{8,64}$/) })

export const CorrectDonorForm = z.object({
  donorName: z.string().trim().min(1, 'form.required').max(100, 'official.error.tooLong'),
  donorEmail: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, 'official.error.tooLong')
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'auth.emailInvalid'),
  reason: z.string().trim().min(1, 'receipts.error.voidReason').max(200, 'official.error.tooLong'),
})
export type CorrectDonorInput = z.infer<typeof CorrectDonorForm>

async function lockedDonation(trx: DB, donationId: number) {
  let q = trx.selectFrom('donations').select(['id', 'donor_name', 'donor_email']).where('id', '=', donationId)
  if (dialectOf(trx) === 'postgres') q = q.forUpdate()
  return q.executeTakeFirst()
}

function currentReceipt(trx: DB, donationId: number) {
  return trx
    .selectFrom('receipts')
    .selectAll()
    .where('donation_id', '=', donationId)
    .where('voided_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst()
}

/** Mail the current receipt again. `key` comes from the page's form, so a double submit queues one mail. */
export async function resendReceipt(
  db: DB,
  actor: Actor,
  input: { donationId: number; key: string; now?: Date },
): Promise<{ mailId: number; to: string; number: string; created: boolean }> {
  const at = (input.now ?? new Date()).toISOString()
  return db.transaction().execute(async (trx) => {
    const d = await lockedDonation(trx, input.donationId)
    if (!d) throw new Refusal('official.error.noGift', { status: 404 })
    const receipt = await currentReceipt(trx, d.id)
    if (!receipt) throw new Refusal('receipts.desk.error.noCurrent', { status: 409 })
    const mail = await queueReceiptEmail(trx, receipt.id, {
      dedupeKey: `receipt-resend:${d.id}:${receipt.id}:${input.key}`,
      now: at,
    })
    if (mail.created)
      await recordAudit(trx, {
        actorUserId: actor.id,
        action: 'receipt.resend',
        entityType: 'donation',
        entityId: d.id,
        after: { receipt: receipt.number, to: d.donor_email, mail: mail.id },
        ip: actor.ip,
      })
    return { mailId: mail.id, to: d.donor_email, number: receipt.number, created: mail.created }
  })
}

/** Correct the donor's name and/or email on one donation; void and reissue its receipt. */
export async function correctDonor(
  db: DB,
  actor: Actor,
  input: CorrectDonorInput & { donationId: number; now?: Date },
): Promise<{ voided: string | null; current: string | null }> {
  const at = (input.now ?? new Date()).toISOString()
  return db.transaction().execute(async (trx) => {
    const d = await lockedDonation(trx, input.donationId)
    if (!d) throw new Refusal('official.error.noGift', { status: 404 })
    if (d.donor_name === input.donorName && d.donor_email === input.donorEmail)
      throw new Refusal('receipts.desk.error.unchanged', { field: 'donorName' })
    await trx
      .updateTable('donations')
      .set({ donor_name: input.donorName, donor_email: input.donorEmail })
      .where('id', '=', d.id)
      .execute()
    const old = await currentReceipt(trx, d.id)
    let current: string | null = null
    if (old) {
      const next = await reissueReceipt(trx, { receiptId: old.id, reason: input.reason, issuedAt: at })
      current = next.number
      // The bureau's receipt still covers the gift when only the name or address changed.
      const fresh = present(
        await trx.selectFrom('receipts').select('amount').where('id', '=', next.receiptId).executeTakeFirst(),
        () => `receipt ${next.receiptId}`,
      )
      if (old.official_code && old.official_number && fresh.amount === old.amount)
        await attachOfficialReceipt(trx, {
          receiptId: next.receiptId,
          code: old.official_code,
          number: old.official_number,
          attachedAt: at,
        })
    }
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'donation.correct-donor',
      entityType: 'donation',
      entityId: d.id,
      before: { donor_name: d.donor_name, donor_email: d.donor_email, receipt: old?.number ?? null },
      after: { donor_name: input.donorName, donor_email: input.donorEmail, receipt: current, reason: input.reason },
      ip: actor.ip,
    })
    return { voided: old?.number ?? null, current }
  })
}

import type { DB } from '~/utils/db.server'
import { queueGiftReachedStudent } from '../receipts/trace-mail.server'

// "Your gift reached a student": after a batch's payout, every donor whose donation's
// lots were drawn by the batch's awards is queued one email (deduplicated per batch and
// donation), built from the donation's ledger trace by the receipts module
// (pseudonym, county, grade and programme only).

export async function notifyDonorsOfBatch(
  trx: DB,
  input: { batchId: number; lineIds: number[]; at: string },
): Promise<number> {
  if (!input.lineIds.length) return 0
  const donations = await trx
    .selectFrom('ledger_transactions as x')
    .innerJoin('ledger_traces as t', 't.sequence', 'x.sequence')
    .innerJoin('ledger_lots as l', 'l.id', 't.lot_id')
    .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
    .innerJoin('donations', 'donations.public_id', 'd.donation_ref')
    .select('donations.id')
    .distinct()
    .where(
      'x.idempotency_key',
      'in',
      input.lineIds.map((id) => `award-line:${id}`),
    )
    .where('t.kind', '=', 'award')
    .execute()
  let queued = 0
  for (const d of donations) {
    if (
      await queueGiftReachedStudent(trx, {
        donationId: Number(d.id),
        dedupeKey: `batch:${input.batchId}`,
        now: input.at,
      })
    )
      queued++
  }
  return queued
}

// The read side of staff refunds: what the donation page shows of a gift's requests and
// its refund form. The writes, and the rules they keep, are in refunds.server.ts.
import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { isBooked, type DonationRow } from './lifecycle.server'
import { OFFLINE_PROVIDERS, refundableRemainder } from './refunds.server'

/** Every staff request for one gift, newest last, with who prepared and approved it (the desk page). */
export async function refundRequestsOf(db: DB, donationId: number) {
  return db
    .selectFrom('refund_requests as r')
    .innerJoin('users as p', 'p.id', 'r.prepared_by')
    .leftJoin('users as a', 'a.id', 'r.approved_by')
    .select([
      'r.id',
      'r.amount',
      'r.currency',
      'r.reason',
      'r.bank_reference',
      'r.status',
      'r.refund_number',
      'r.provider_refund_id',
      'r.failure',
      'r.prepared_by',
      'r.prepared_at',
      'r.approved_at',
      'r.rejected_at',
      'r.completed_at',
      'p.display_name as prepared_by_name',
      'a.display_name as approved_by_name',
    ])
    .where('r.donation_id', '=', donationId)
    .orderBy('r.id')
    .execute()
}

/** What the desk page's refund form needs to know about one gift. */
export async function refundPanelOf(db: DB, donation: Pick<DonationRow, 'id' | 'amount' | 'status' | 'provider'>) {
  const remainder = await refundableRemainder(db, donation)
  return {
    remainder,
    threshold: getEnv().REFUND_SECOND_APPROVAL_ABOVE,
    offline: OFFLINE_PROVIDERS.has(donation.provider),
    open: isBooked(donation.status) && donation.status !== 'disputed' && remainder > 0,
  }
}

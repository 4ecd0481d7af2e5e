import type { DB } from '~/utils/db.server'

/** What the thank-you page may show: status, amount and the donor's own tracking code. */
export async function donationStatus(db: DB, publicId: string) {
  return db
    .selectFrom('donations')
    .select(['public_id', 'status', 'amount', 'currency', 'tracking_code', 'frequency'])
    .where('public_id', '=', publicId)
    .executeTakeFirst()
}

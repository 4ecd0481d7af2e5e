import type { DB } from '~/utils/db.server'

/** What the thank-you page may show: status, amount and the donor's own tracking code. */
export async function donationStatus(db: DB, publicId: string) {
  return db
    .selectFrom('donations')
    .select(['public_id', 'status', 'amount', 'currency', 'tracking_code', 'frequency'])
    .where('public_id', '=', publicId)
    .executeTakeFirst()
}

/** Staff view: the latest gifts recorded offline or imported, with who recorded them. */
export async function listRecentOfflineGifts(db: DB, limit = 20) {
  return db
    .selectFrom('donations')
    .leftJoin('users', 'users.id', 'donations.recorded_by')
    .select([
      'donations.public_id',
      'donations.provider',
      'donations.source_ref',
      'donations.amount',
      'donations.currency',
      'donations.donor_name',
      'donations.paid_at',
      'users.display_name as recorded_by',
    ])
    .where('donations.provider', 'in', ['offline', 'import'])
    .orderBy('donations.id', 'desc')
    .limit(limit)
    .execute()
}

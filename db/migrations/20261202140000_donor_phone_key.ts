import type { Kysely } from 'kysely'

// Frozen in time: never import app code here.
// A matching pool's per-donor-day cap counts one donor across emails by the phone too,
// where the donor gave one: the donation keeps only a keyed digest of the number (never the
// number), and each match keeps the digest beside the email's, so the cap reads both.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('donations').addColumn('donor_phone_key', 'text').execute()
  await db.schema.alterTable('matching_matches').addColumn('phone_key', 'text').execute()
  await db.schema
    .createIndex('matching_matches_phone_day')
    .on('matching_matches')
    .columns(['pool_id', 'phone_key', 'china_day'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('matching_matches_phone_day').execute()
  await db.schema.alterTable('matching_matches').dropColumn('phone_key').execute()
  await db.schema.alterTable('donations').dropColumn('donor_phone_key').execute()
}

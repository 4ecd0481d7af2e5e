import type { Kysely } from 'kysely'

// One bank transfer pays one batch: the same bank reference recorded as the payout of two
// batches is a mistake (the second batch would show as paid by money that paid the first).
// recordPayout refuses it with a message; this index holds under concurrent payouts.
// NULLs (batches not paid yet) are distinct in a unique index on both dialects.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('award_batches_payout_reference_unique')
    .on('award_batches')
    .column('payout_reference')
    .unique()
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('award_batches_payout_reference_unique').execute()
}

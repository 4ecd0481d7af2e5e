import { PostgresAdapter, type Kysely } from 'kysely'

// Photos in progress updates: each photo shows one child, and is public only while its
// update is approved and that child's guardian's current consent covers photos. The file
// is the re-encoded picture (no EXIF/GPS) under UPLOAD_DIR/update-photos.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('campaign_update_photos')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('update_id', 'integer', (c) => c.notNull().references('campaign_updates.id'))
    .addColumn('beneficiary_id', 'integer', (c) => c.notNull().references('beneficiaries.id'))
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('campaign_update_photos_update')
    .on('campaign_update_photos')
    .column('update_id')
    .execute()
  await db.schema.createIndex('campaign_update_photos_file').on('campaign_update_photos').column('file').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('campaign_update_photos').execute()
}

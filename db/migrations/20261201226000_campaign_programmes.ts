import { sql, type Kysely } from 'kysely'

// A campaign may fund several programmes (and a programme be funded by several campaigns):
// campaigns.programme_id becomes the link table campaign_programmes. Existing links are
// carried over; going down keeps the lowest-numbered programme of each campaign.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('campaign_programmes')
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id'))
    .addColumn('programme_id', 'integer', (c) => c.notNull().references('programmes.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_programmes_pk', ['campaign_id', 'programme_id'])
    .execute()
  await db.schema
    .createIndex('campaign_programmes_programme')
    .on('campaign_programmes')
    .columns(['programme_id', 'campaign_id'])
    .execute()
  await sql`insert into campaign_programmes (campaign_id, programme_id, created_at)
    select id, programme_id, coalesce(updated_at, created_at) from campaigns where programme_id is not null`.execute(db)
  await db.schema.alterTable('campaigns').dropColumn('programme_id').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('campaigns')
    .addColumn('programme_id', 'integer', (c) => c.references('programmes.id'))
    .execute()
  await sql`update campaigns set programme_id = (
    select min(l.programme_id) from campaign_programmes l where l.campaign_id = campaigns.id)`.execute(db)
  await db.schema.dropTable('campaign_programmes').execute()
}

import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Team pages (一起捐): a signed-in donor's page for one campaign, with its own goal and
// message. A gift given through a page carries the page on the donation (team_id) and,
// once paid, as refs.team of its ledger record, so team totals are recomputable from the
// open data. Staff hide a page (status 'hidden'); nothing is ever deleted.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('team_pages')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id'))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('owner_name', 'text', (c) => c.notNull())
    .addColumn('station_id', 'integer', (c) => c.references('stations.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('goal_amount', 'bigint', (c) => c.notNull().check(sql`goal_amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('open')
        .check(sql`status in ('open', 'hidden')`),
    )
    .addColumn('hidden_by', 'integer', (c) => c.references('users.id'))
    .addColumn('hidden_at', 'text')
    .addColumn('hidden_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('team_pages_campaign').on('team_pages').columns(['campaign_id', 'status']).execute()
  await db.schema.createIndex('team_pages_owner').on('team_pages').column('owner_id').execute()
  await db.schema
    .alterTable('donations')
    .addColumn('team_id', 'integer', (c) => c.references('team_pages.id'))
    .execute()
  await db.schema.createIndex('donations_team').on('donations').columns(['team_id', 'status']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('donations_team').execute()
  await db.schema.alterTable('donations').dropColumn('team_id').execute()
  await db.schema.dropTable('team_pages').execute()
}

import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Matching pools (配捐, app/modules/matching). A pool's money is the ledger's balance of
// its fund fund:match:<id>; these tables hold only its rules and which gift got which
// match (the ledger transaction is the truth, matching_matches is the index for caps).

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const money = pg ? 'bigint' : 'integer'
  const id = (t: any) =>
    t.addColumn('id', pg ? 'bigserial' : 'integer', (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
  await id(db.schema.createTable('matching_pools'))
    .addColumn('name', 'text', (c: any) => c.notNull())
    .addColumn('name_en', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('sponsor', 'text', (c: any) => c.notNull())
    .addColumn('sponsor_en', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('currency', 'text', (c: any) => c.notNull().check(sql`length(currency) = 3`))
    .addColumn('rule', 'text', (c: any) => c.notNull().check(sql`rule in ('ratio', 'random')`))
    // ratio: the sponsor gives ratio_match for every ratio_gift the donor gives (1:1, 1:2 …).
    .addColumn('ratio_gift', 'integer', (c: any) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`ratio_gift > 0`),
    )
    .addColumn('ratio_match', 'integer', (c: any) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`ratio_match > 0`),
    )
    .addColumn('random_min', money)
    .addColumn('random_max', money)
    .addColumn('min_gift', money, (c: any) => c.notNull().check(sql`min_gift > 0`))
    .addColumn('cap_per_gift', money)
    .addColumn('cap_per_donor_day', money)
    .addColumn('cap_total', money)
    // Minutes after 00:00 China time; null = all day.
    .addColumn('opens_minute', 'integer')
    .addColumn('closes_minute', 'integer')
    .addColumn('starts_on', 'text', (c: any) => c.notNull())
    .addColumn('ends_on', 'text', (c: any) => c.notNull())
    .addColumn('status', 'text', (c: any) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'paused')`),
    )
    .addColumn('created_by', 'integer', (c: any) => c.references('users.id'))
    .addColumn('created_at', 'text', (c: any) => c.notNull())
    .addColumn('updated_at', 'text', (c: any) => c.notNull())
    .addCheckConstraint('matching_pools_random', sql`rule <> 'random' or (random_min > 0 and random_max >= random_min)`)
    .addCheckConstraint('matching_pools_dates', sql`ends_on >= starts_on`)
    .execute()

  await db.schema
    .createTable('matching_pool_campaigns')
    .addColumn('pool_id', 'integer', (c) => c.notNull().references('matching_pools.id'))
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id'))
    .addPrimaryKeyConstraint('matching_pool_campaigns_pk', ['pool_id', 'campaign_id'])
    .execute()
  await db.schema
    .createIndex('matching_pool_campaigns_campaign')
    .on('matching_pool_campaigns')
    .column('campaign_id')
    .execute()

  // One row per matched gift (unique donation): what the caps count. donor_key is the hex
  // SHA-256 of the normalised email, never the email.
  await id(db.schema.createTable('matching_matches'))
    .addColumn('pool_id', 'integer', (c: any) => c.notNull().references('matching_pools.id'))
    .addColumn('donation_id', 'integer', (c: any) => c.notNull().unique().references('donations.id'))
    .addColumn('campaign_id', 'integer', (c: any) => c.notNull().references('campaigns.id'))
    .addColumn('donor_key', 'text', (c: any) => c.notNull())
    .addColumn('china_day', 'text', (c: any) => c.notNull())
    .addColumn('amount', money, (c: any) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c: any) => c.notNull())
    .addColumn('sequence', 'integer', (c: any) => c.notNull().unique())
    .addColumn('returned', money, (c: any) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`returned >= 0 and returned <= amount`),
    )
    .addColumn('created_at', 'text', (c: any) => c.notNull())
    .execute()
  await db.schema
    .createIndex('matching_matches_donor_day')
    .on('matching_matches')
    .columns(['pool_id', 'donor_key', 'china_day'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('matching_matches').execute()
  await db.schema.dropTable('matching_pool_campaigns').execute()
  await db.schema.dropTable('matching_pools').execute()
}

import { type Kysely } from 'kysely'

// Campaigns run from the staff console: a cover image (stored re-encoded, without
// metadata), suggested amounts, the fundraising plan (募捐方案) that a public appeal
// publishes, and when it was published and closed. Stations can be deactivated.

const PLAN = [
  'plan_purpose',
  'plan_region',
  'plan_responsible',
  'plan_receiving',
  'plan_beneficiaries',
  'plan_use_of_funds',
  'plan_cost',
  'plan_leftover',
  'filing_number',
] as const

export async function up(db: Kysely<any>): Promise<void> {
  let alter = db.schema.alterTable('campaigns')
  // One statement per column: SQLite adds one column per ALTER TABLE.
  await alter.addColumn('cover_path', 'text').execute()
  await alter.addColumn('suggested_amounts', 'text', (c) => c.notNull().defaultTo('[]')).execute()
  for (const column of PLAN) await alter.addColumn(column, 'text', (c) => c.notNull().defaultTo('')).execute()
  await alter.addColumn('published_at', 'text').execute()
  await alter.addColumn('closed_at', 'text').execute()
  await alter.addColumn('updated_at', 'text').execute()
  alter = db.schema.alterTable('stations')
  await alter.addColumn('active', 'integer', (c) => c.notNull().defaultTo(1)).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['cover_path', 'suggested_amounts', ...PLAN, 'published_at', 'closed_at', 'updated_at'])
    await db.schema.alterTable('campaigns').dropColumn(column).execute()
  await db.schema.alterTable('stations').dropColumn('active').execute()
}

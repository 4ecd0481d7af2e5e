import { sql, type Kysely } from 'kysely'

// The foundation's own particulars, edited at /admin/organisation: one row (id 1).
// Receipts, mail, the site footer and campaign pages read them, so no template names a
// foundation. Empty strings mean "not filled in yet".

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organisation_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('name_en', 'text', (c) => c.notNull().defaultTo(''))
    // 统一社会信用代码 (GB 32100-2015, 18 characters).
    .addColumn('credit_code', 'text', (c) => c.notNull().defaultTo(''))
    // 公开募捐资格证书 number.
    .addColumn('fundraising_certificate', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('phone', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('email', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('address', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('address_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('receipt_wording', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('receipt_wording_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('receipt_signature', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('updated_at', 'text')
    .addColumn('updated_by', 'integer', (c) => c.references('users.id'))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('organisation_settings').execute()
}

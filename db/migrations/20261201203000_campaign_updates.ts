import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Progress updates (执行反馈): staff write one, a second staff member approves it, and
// the approval mails it to every donor of the campaign once. The (update, email)
// unique key is what makes a retried send never mail anyone twice; the token hash
// is the donor's one-click unsubscribe for that mail.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const id = (t: any) =>
    t.addColumn('id', pg ? 'bigserial' : 'integer', (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
  await id(db.schema.createTable('campaign_updates'))
    .addColumn('campaign_id', 'integer', (c: any) => c.notNull().references('campaigns.id'))
    .addColumn('title', 'text', (c: any) => c.notNull())
    .addColumn('body', 'text', (c: any) => c.notNull())
    .addColumn('locale', 'text', (c: any) => c.notNull().defaultTo('zh-CN'))
    .addColumn('status', 'text', (c: any) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'approved')`),
    )
    .addColumn('author_id', 'integer', (c: any) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c: any) => c.notNull())
    .addColumn('approved_by', 'integer', (c: any) => c.references('users.id'))
    .addColumn('approved_at', 'text')
    // Maker-checker in the schema too: nobody approves their own update.
    .addCheckConstraint('campaign_updates_checker', sql`approved_by is null or approved_by <> author_id`)
    .execute()
  await db.schema
    .createIndex('campaign_updates_campaign')
    .on('campaign_updates')
    .columns(['campaign_id', 'status', 'approved_at'])
    .execute()

  await id(db.schema.createTable('campaign_update_mails'))
    .addColumn('update_id', 'integer', (c: any) => c.notNull().references('campaign_updates.id'))
    .addColumn('email', 'text', (c: any) => c.notNull())
    .addColumn('token_hash', 'text', (c: any) => c.notNull().unique())
    .addColumn('outbox_id', 'integer', (c: any) => c.references('mail_outbox.id'))
    .addColumn('created_at', 'text', (c: any) => c.notNull())
    .addUniqueConstraint('campaign_update_mails_once', ['update_id', 'email'])
    .execute()

  // Donors who asked for no more progress updates (receipts and traces still go out).
  await db.schema
    .createTable('update_unsubscribes')
    .addColumn('email', 'text', (c) => c.primaryKey())
    .addColumn('unsubscribed_at', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull().check(sql`via in ('link', 'portal')`))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('update_unsubscribes').execute()
  await db.schema.dropTable('campaign_update_mails').execute()
  await db.schema.dropTable('campaign_updates').execute()
}

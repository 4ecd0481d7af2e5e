import { PostgresAdapter, type Kysely } from 'kysely'

// Staff password resets: one row per emailed link ("forgot password" on /login, or an
// admin forcing a reset). Only the SHA-256 of the token is stored; a link works once
// (used_at set atomically) and for 30 minutes.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('password_resets')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    // null: asked for by the person on /login/forgot; else the admin who forced it.
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('ip', 'text')
    .execute()
  await db.schema.createIndex('password_resets_user').on('password_resets').columns(['user_id', 'created_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('password_resets').execute()
}

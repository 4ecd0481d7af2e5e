import { PostgresAdapter, type Kysely } from 'kysely'

// Donor portal sign-in links: one row per emailed link. Only the SHA-256 of the
// token is stored; a link works once (used_at set atomically) and expires.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('portal_sign_in_tokens')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    // hex SHA-256 of the token in the link: the token itself is never stored.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('ip', 'text')
    .execute()
  await db.schema
    .createIndex('portal_sign_in_tokens_email')
    .on('portal_sign_in_tokens')
    .columns(['email', 'created_at'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('portal_sign_in_tokens').execute()
}

import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Staff access: Lucia sessions (only the SHA-256 of the token is stored), a shared
// login rate limiter, TOTP credentials and recovery codes, staff invites, and the
// append-only audit log (triggers refuse UPDATE, DELETE and TRUNCATE).

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const idType = pg ? 'bigserial' : 'integer'
  const id = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement())

  await db.schema
    .createTable('sessions')
    // hex SHA-256 of the cookie token: the token itself is never stored.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('absolute_expires_at', 'text', (c) => c.notNull())
    .addColumn('two_factor_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute()

  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pk', ['key', 'window_start'])
    .execute()

  await db.schema
    .createTable('totp_credentials')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id'))
    // AES-256-GCM with a key derived from SESSION_SECRET.
    .addColumn('secret_encrypted', 'text', (c) => c.notNull())
    // null while enrolment is pending (secret shown, not yet confirmed with a code).
    .addColumn('enabled_at', 'text')
    // Last accepted RFC 6238 time step: a code is accepted once.
    .addColumn('last_used_step', 'bigint')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', idType, id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('recovery_codes_user').on('recovery_codes').column('user_id').execute()

  await db.schema
    .createTable('staff_invites')
    .addColumn('id', idType, id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute()

  await db.schema
    .createTable('audit_log')
    .addColumn('id', idType, id)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text')
    .addColumn('station_id', 'integer', (c) => c.references('stations.id'))
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addColumn('ip', 'text')
    .execute()
  await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity_type', 'entity_id']).execute()
  await db.schema.createIndex('audit_log_actor').on('audit_log').column('actor_user_id').execute()

  if (pg) {
    await sql`create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
      begin raise exception 'audit_log is append-only'; end $$`.execute(db)
    await sql`create trigger audit_log_no_change before update or delete on audit_log
      for each row execute function audit_log_refuse_change()`.execute(db)
    await sql`create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_refuse_change()`.execute(db)
  } else {
    await sql`create trigger audit_log_no_update before update on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db)
    await sql`create trigger audit_log_no_delete before delete on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  for (const t of ['audit_log', 'staff_invites', 'recovery_codes', 'totp_credentials', 'rate_limits', 'sessions']) {
    await db.schema.dropTable(t).execute()
  }
  if (pg) await sql`drop function if exists audit_log_refuse_change()`.execute(db)
}

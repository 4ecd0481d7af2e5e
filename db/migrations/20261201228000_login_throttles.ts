import type { Kysely } from 'kysely'

// Per-account sign-in throttle: failures in a row and the moment the next password-only
// attempt is allowed (growing delays). It slows guessing without locking the owner out:
// a right password with a TOTP code, or a password reset, passes it.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_throttles')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_at', 'text', (c) => c.notNull())
    // null until the free attempts are used up.
    .addColumn('blocked_until', 'text')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_throttles').execute()
}

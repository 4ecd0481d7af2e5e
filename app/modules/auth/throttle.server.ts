import type { DB } from '~/utils/db.server'

// The per-account sign-in throttle. A fixed lock (five wrong passwords, then even the
// right one refused) hands any stranger a way to lock a named finance approver out.
// Instead the first failures are free and each one after them doubles the wait before
// the next password-only attempt is even checked (30 s, 1 min, 2 min … at most 15 min):
// guessing is slowed to a crawl, and the owner is never locked out — a right password
// given together with a TOTP code passes the wait (approvers must have TOTP), and a
// password reset (the emailed link) clears it. Attempts are reserved before the password
// is checked (compare-and-set on the row), so parallel guesses cannot slip past.

export const THROTTLE = { free: 5, baseMs: 30_000, maxMs: 15 * 60_000, forgetMs: 24 * 3_600_000 }

/** The wait after `failures` failures in a row: 0 while they are free. */
export function delayAfter(failures: number): number {
  if (failures < THROTTLE.free) return 0
  return Math.min(THROTTLE.maxMs, THROTTLE.baseMs * 2 ** (failures - THROTTLE.free))
}

export function accountThrottleKey(email: string): string {
  return `login:account:${email}`
}

export type Reservation = { reserved: true; waitMs: number } | { reserved: false; waitMs: number }

/**
 * Count one attempt as a failure in advance (clearThrottle() forgets them all on a
 * success). Not reserved while a wait runs — nothing is counted then — or when a
 * parallel attempt changed the row first.
 */
export async function reserveAttempt(db: DB, key: string, now = Date.now()): Promise<Reservation> {
  const at = new Date(now).toISOString()
  const row = await db.selectFrom('login_throttles').selectAll().where('key', '=', key).executeTakeFirst()
  if (row?.blocked_until && row.blocked_until > at)
    return { reserved: false, waitMs: Date.parse(row.blocked_until) - now }
  // A day without failures forgets the earlier ones.
  const fresh = !row || Date.parse(row.last_failure_at) < now - THROTTLE.forgetMs
  const failures = fresh ? 1 : Number(row.failures) + 1
  const waitMs = delayAfter(failures)
  const values = { failures, last_failure_at: at, blocked_until: waitMs ? new Date(now + waitMs).toISOString() : null }
  const won = row
    ? await db
        .updateTable('login_throttles')
        .set(values)
        .where('key', '=', key)
        .where('failures', '=', row.failures)
        .where('last_failure_at', '=', row.last_failure_at)
        .returning('key')
        .executeTakeFirst()
    : await db
        .insertInto('login_throttles')
        .values({ key, ...values })
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key')
        .executeTakeFirst()
  return won ? { reserved: true, waitMs } : { reserved: false, waitMs: 0 }
}

/** Whether a wait runs now, without counting anything. */
export async function throttleWait(db: DB, key: string, now = Date.now()): Promise<number> {
  const row = await db.selectFrom('login_throttles').select('blocked_until').where('key', '=', key).executeTakeFirst()
  return row?.blocked_until ? Math.max(0, Date.parse(row.blocked_until) - now) : 0
}

export async function clearThrottle(db: DB, key: string): Promise<void> {
  await db.deleteFrom('login_throttles').where('key', '=', key).execute()
}

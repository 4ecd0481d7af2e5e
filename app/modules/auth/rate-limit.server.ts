import { sql } from 'kysely'
import type { DB } from '~/utils/db.server'

// Fixed-window counters in the database, so every app process shares them.
// take() reserves one attempt atomically (upsert … returning) before the work is
// done, so parallel guesses cannot slip past the limit; refund() gives it back
// when the attempt turned out to be legitimate.

export type Limit = { max: number; windowMs: number }

// Per client (the real one behind TRUST_PROXY): blocks only that client. The per-account
// limit is a throttle of growing waits instead (throttle.server.ts).
export const LOGIN_IP_LIMIT: Limit = { max: 20, windowMs: 15 * 60_000 }
export const TOTP_LIMIT: Limit = { max: 5, windowMs: 15 * 60_000 }

function windowStart(limit: Limit, now: number): string {
  return new Date(Math.floor(now / limit.windowMs) * limit.windowMs).toISOString()
}

/** Count one attempt; true while the window still allows it. */
export async function take(db: DB, key: string, limit: Limit, now = Date.now()): Promise<boolean> {
  const row = await db
    .insertInto('rate_limits')
    .values({ key, window_start: windowStart(limit, now), count: 1 })
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql`rate_limits.count + 1` }))
    .returning('count')
    .executeTakeFirstOrThrow()
  return Number(row.count) <= limit.max
}

export async function refund(db: DB, key: string, limit: Limit, now = Date.now()): Promise<void> {
  await db
    .updateTable('rate_limits')
    .set({ count: sql`count - 1` })
    .where('key', '=', key)
    .where('window_start', '=', windowStart(limit, now))
    .where('count', '>', 0)
    .execute()
}

/** Old windows are worthless: delete them now and then. */
export async function pruneRateLimits(db: DB, olderThanMs = 86_400_000, now = Date.now()): Promise<void> {
  await db
    .deleteFrom('rate_limits')
    .where('window_start', '<', new Date(now - olderThanMs).toISOString())
    .execute()
}

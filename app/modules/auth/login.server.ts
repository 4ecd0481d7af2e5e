import type { DB } from '~/utils/db.server'
import { recordAudit } from '../audit/audit.server'
import { hashPassword, PASSWORD_MAX, verifyPassword } from './password.server'
import { LOGIN_IP_LIMIT, pruneRateLimits, refund, take, TOTP_LIMIT } from './rate-limit.server'
import { accountThrottleKey, clearThrottle, reserveAttempt } from './throttle.server'
import { getTotpStatus, verifySecondFactor } from './totp.server'

export type LoginOutcome =
  | { ok: true; userId: number; needsTotp: boolean; secondFactorDone: boolean }
  // slowed: this account's wait runs (see throttle.server.ts); the form then offers the code field.
  | { ok: false; slowed: boolean }

// A real argon2id hash to verify against when the account does not exist, so an
// unknown email costs the same time as a wrong password.
let decoy: Promise<string> | undefined
const decoyHash = () => (decoy ??= hashPassword('decoy-password-never-used'))

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

/**
 * Check a password under the per-client limit (LOGIN_IP_LIMIT, keyed on the real client
 * address: see TRUST_PROXY) and the per-account throttle (growing waits, never a lock).
 * While the account's wait runs a password alone is not even checked; a password given
 * with the TOTP code (`code`) is, and passes the wait. Every failure looks the same to
 * the caller apart from `slowed`.
 */
export async function attemptPasswordLogin(
  db: DB,
  input: { email: string; password: string; code?: string; ip: string },
): Promise<LoginOutcome> {
  const email = normaliseEmail(input.email)
  const accountKey = accountThrottleKey(email)
  const ipKey = `login:ip:${input.ip}`
  const now = Date.now()
  // Failed attempts name the account only when it exists: what someone typed into the
  // email field (sometimes a password) is not kept.
  const user = await db
    .selectFrom('users')
    .select(['id', 'password_hash', 'active'])
    .where('email', '=', email)
    .executeTakeFirst()
  const refused = async (action: 'auth.login_rate_limited' | 'auth.login_failed', slowed: boolean) => {
    await recordAudit(db, {
      actorUserId: null,
      action,
      entityType: 'user',
      entityId: user?.id ?? null,
      after: user ? { email } : null,
      ip: input.ip,
    })
    return { ok: false as const, slowed }
  }
  if (!(await take(db, ipKey, LOGIN_IP_LIMIT, now))) return refused('auth.login_rate_limited', false)
  const code = input.code?.trim() || null
  const reservation = await reserveAttempt(db, accountKey, now)
  // A wait runs (or a parallel attempt won the row): a password alone is not checked.
  if (!reservation.reserved && !code) return refused('auth.login_rate_limited', reservation.waitMs > 0)
  const valid =
    input.password.length <= PASSWORD_MAX &&
    (user?.password_hash
      ? await verifyPassword(user.password_hash, input.password)
      : (await verifyPassword(await decoyHash(), input.password), false))
  const slowedNext = !reservation.reserved || reservation.waitMs > 0
  if (!user || !valid || Number(user.active) !== 1) return refused('auth.login_failed', slowedNext)
  const totp = await getTotpStatus(db, user.id)
  // With a code, both factors at once: the same answer as a wrong password unless the code
  // is right, so the wait gives no password oracle. Codes are limited per user (TOTP_LIMIT),
  // reachable only with the right password.
  if (code && !(totp.enabled && (await attemptSecondFactor(db, { userId: Number(user.id), code, ip: input.ip }))))
    return refused('auth.login_failed', slowedNext)
  // A success forgets the account's failures; it does not count against this client.
  await clearThrottle(db, accountKey)
  await refund(db, ipKey, LOGIN_IP_LIMIT, now)
  // Housekeeping on the way: this user's lapsed sessions and day-old rate-limit windows.
  const at = new Date(now).toISOString()
  await db
    .deleteFrom('sessions')
    .where('user_id', '=', user.id)
    .where((eb) => eb.or([eb('expires_at', '<=', at), eb('absolute_expires_at', '<=', at)]))
    .execute()
  await pruneRateLimits(db, 86_400_000, now)
  if (!code)
    await recordAudit(db, {
      actorUserId: user.id,
      action: totp.enabled ? 'auth.password_ok' : 'auth.login',
      entityType: 'user',
      entityId: user.id,
      ip: input.ip,
    })
  return { ok: true, userId: Number(user.id), needsTotp: totp.enabled && !code, secondFactorDone: Boolean(code) }
}

/** The second step of a TOTP user's sign-in; rate-limited per user. */
export async function attemptSecondFactor(
  db: DB,
  input: { userId: number; code: string; ip: string },
): Promise<boolean> {
  const key = `totp:user:${input.userId}`
  if (!(await take(db, key, TOTP_LIMIT))) return false
  const how = await verifySecondFactor(db, input.userId, input.code)
  await recordAudit(db, {
    actorUserId: input.userId,
    action: how ? 'auth.login' : 'auth.totp_failed',
    entityType: 'user',
    entityId: input.userId,
    after: how ? { secondFactor: how } : null,
    ip: input.ip,
  })
  if (how) await refund(db, key, TOTP_LIMIT)
  return how !== null
}

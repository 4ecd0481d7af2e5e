import type { DB } from '~/utils/db.server'
import { recordAudit } from '../audit/audit.server'
import { hashPassword, PASSWORD_MAX, verifyPassword } from './password.server'
import { LOGIN_ACCOUNT_LIMIT, LOGIN_IP_LIMIT, pruneRateLimits, refund, take, TOTP_LIMIT } from './rate-limit.server'
import { getTotpStatus, verifySecondFactor } from './totp.server'

export type LoginOutcome = { ok: true; userId: number; needsTotp: boolean } | { ok: false }

// A real argon2id hash to verify against when the account does not exist, so an
// unknown email costs the same time as a wrong password.
let decoy: Promise<string> | undefined
const decoyHash = () => (decoy ??= hashPassword('decoy-password-never-used'))

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

/**
 * Check a password under both rate limits (per account, per IP). Every failure looks
 * the same to the caller. Once a limit is reached, even the right password is refused
 * until the window ends.
 */
export async function attemptPasswordLogin(
  db: DB,
  input: { email: string; password: string; ip: string },
): Promise<LoginOutcome> {
  const email = normaliseEmail(input.email)
  const accountKey = `login:account:${email}`
  const ipKey = `login:ip:${input.ip}`
  const now = Date.now()
  const accountOk = await take(db, accountKey, LOGIN_ACCOUNT_LIMIT, now)
  const ipOk = await take(db, ipKey, LOGIN_IP_LIMIT, now)
  // Failed attempts name the account only when it exists: what someone typed into the
  // email field (sometimes a password) is not kept.
  const user = await db
    .selectFrom('users')
    .select(['id', 'password_hash', 'active'])
    .where('email', '=', email)
    .executeTakeFirst()
  if (!accountOk || !ipOk) {
    await recordAudit(db, {
      actorUserId: null,
      action: 'auth.login_rate_limited',
      entityType: 'user',
      entityId: user?.id ?? null,
      after: user ? { email } : null,
      ip: input.ip,
    })
    return { ok: false }
  }
  const valid =
    input.password.length <= PASSWORD_MAX &&
    (user?.password_hash
      ? await verifyPassword(user.password_hash, input.password)
      : (await verifyPassword(await decoyHash(), input.password), false))
  if (!user || !valid || Number(user.active) !== 1) {
    await recordAudit(db, {
      actorUserId: null,
      action: 'auth.login_failed',
      entityType: 'user',
      entityId: user?.id ?? null,
      after: user ? { email } : null,
      ip: input.ip,
    })
    return { ok: false }
  }
  // A successful attempt does not count against either limit.
  await refund(db, accountKey, LOGIN_ACCOUNT_LIMIT, now)
  await refund(db, ipKey, LOGIN_IP_LIMIT, now)
  // Housekeeping on the way: this user's lapsed sessions and day-old rate-limit windows.
  const at = new Date(now).toISOString()
  await db
    .deleteFrom('sessions')
    .where('user_id', '=', user.id)
    .where((eb) => eb.or([eb('expires_at', '<=', at), eb('absolute_expires_at', '<=', at)]))
    .execute()
  await pruneRateLimits(db, 86_400_000, now)
  const totp = await getTotpStatus(db, user.id)
  await recordAudit(db, {
    actorUserId: user.id,
    action: totp.enabled ? 'auth.password_ok' : 'auth.login',
    entityType: 'user',
    entityId: user.id,
    ip: input.ip,
  })
  return { ok: true, userId: Number(user.id), needsTotp: totp.enabled }
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

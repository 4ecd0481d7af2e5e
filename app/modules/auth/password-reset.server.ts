import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import type { Locale } from '~/utils/i18n'
import { accountThrottleKey, clearThrottle } from './throttle.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import { queueEmail } from '../mail/outbox.server'
import { normaliseEmail } from './login.server'
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN, verifyPassword } from './password.server'
import { take, type Limit } from './rate-limit.server'
import { getStaffMember, type Actor } from './staff.server'
import { generateToken, sha256Hex } from './tokens.server'

// Staff passwords after the first: change one's own (current password required, other
// sessions signed out), "forgot password" by an emailed single-use link (30 minutes, only
// its SHA-256 stored, rate-limited, the same answer whether or not the account exists),
// and an admin forcing a reset. TOTP is untouched: sign-in still asks for the code.

export const RESET_TTL_MS = 30 * 60_000
export const RESET_EMAIL_LIMIT: Limit = { max: 3, windowMs: 15 * 60_000 }
export const RESET_IP_LIMIT: Limit = { max: 20, windowMs: 15 * 60_000 }
/** The forgot-password form answers no sooner than this, so timing does not tell which addresses are staff. */
export const RESET_RESPONSE_FLOOR_MS = 250

export type ResetRequestOutcome = 'sent' | 'rate_limited' | 'no_account' | 'invalid'

async function issueReset(
  trx: DB,
  input: {
    userId: number
    email: string
    locale: Locale
    createdBy: number | null
    ip: string | null
    forced: boolean
  },
): Promise<void> {
  const token = generateToken()
  const tokenHash = sha256Hex(token)
  const now = Date.now()
  await trx
    .insertInto('password_resets')
    .values({
      user_id: input.userId,
      token_hash: tokenHash,
      created_by: input.createdBy,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + RESET_TTL_MS).toISOString(),
      used_at: null,
      ip: input.ip,
    })
    .execute()
  await queueEmail(trx, {
    to: input.email,
    template: 'password-reset',
    locale: input.locale,
    dedupeKey: `password-reset:${tokenHash}`,
    props: {
      url: `${getEnv().BASE_URL}/login/reset/${token}`,
      expiresInMinutes: RESET_TTL_MS / 60_000,
      forced: input.forced,
    },
  })
}

/** For tests and logs only: the page says the same whatever this returns. */
export async function requestPasswordReset(
  db: DB,
  input: { email: string; ip: string; locale: Locale },
): Promise<ResetRequestOutcome> {
  const email = normaliseEmail(input.email)
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254) return 'invalid'
  const emailOk = await take(db, `reset:email:${email}`, RESET_EMAIL_LIMIT)
  const ipOk = await take(db, `reset:ip:${input.ip}`, RESET_IP_LIMIT)
  if (!emailOk || !ipOk) return 'rate_limited'
  // Staff only: an active user with a password and a grant on a station (donors sign in by link).
  const user = await db
    .selectFrom('users')
    .innerJoin('role_grants', 'role_grants.user_id', 'users.id')
    .select(['users.id', 'users.locale'])
    .where('users.email', '=', email)
    .where('users.active', '=', 1)
    .where('users.password_hash', 'is not', null)
    .where('role_grants.station_id', 'is not', null)
    .executeTakeFirst()
  if (!user) return 'no_account'
  await db.transaction().execute(async (trx) => {
    await issueReset(trx, {
      userId: Number(user.id),
      email,
      locale: user.locale === 'en' ? 'en' : 'zh-CN',
      createdBy: null,
      ip: input.ip,
      forced: false,
    })
    await recordAudit(trx, {
      actorUserId: null,
      action: 'auth.password_reset_requested',
      entityType: 'user',
      entityId: user.id,
      ip: input.ip,
    })
  })
  return 'sent'
}

export async function findPasswordReset(db: DB, token: string) {
  return db
    .selectFrom('password_resets')
    .innerJoin('users', 'users.id', 'password_resets.user_id')
    .select(['password_resets.id', 'password_resets.user_id', 'users.email'])
    .where('password_resets.token_hash', '=', sha256Hex(token))
    .where('password_resets.used_at', 'is', null)
    .where('password_resets.expires_at', '>', new Date().toISOString())
    .where('users.active', '=', 1)
    .executeTakeFirst()
}

/** Set a new password from a reset link: once, and every session of that person ends. */
export async function completePasswordReset(
  db: DB,
  input: { token: string; password: string; ip: string },
): Promise<{ userId: number }> {
  if (input.password.length < PASSWORD_MIN || input.password.length > PASSWORD_MAX)
    throw new Refusal('auth.passwordLength', { field: 'password' })
  const reset = await findPasswordReset(db, input.token)
  if (!reset) throw new Refusal('reset.invalid', { status: 404 })
  const hash = await hashPassword(input.password)
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('password_resets')
      .set({ used_at: new Date().toISOString() })
      .where('id', '=', reset.id)
      .where('used_at', 'is', null)
      .executeTakeFirst()
    if (Number(used.numUpdatedRows) !== 1) throw new Refusal('reset.invalid', { status: 404 })
    // Every other link of this person goes too: the newest password wins.
    await trx
      .updateTable('password_resets')
      .set({ used_at: new Date().toISOString() })
      .where('user_id', '=', reset.user_id)
      .where('used_at', 'is', null)
      .execute()
    await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', reset.user_id).execute()
    await trx.deleteFrom('sessions').where('user_id', '=', reset.user_id).execute()
    // The emailed link also lifts the sign-in throttle that strangers' guesses put on the account.
    const { email } = await trx
      .selectFrom('users')
      .select('email')
      .where('id', '=', reset.user_id)
      .executeTakeFirstOrThrow()
    await clearThrottle(trx, accountThrottleKey(email))
    await recordAudit(trx, {
      actorUserId: Number(reset.user_id),
      action: 'auth.password_reset',
      entityType: 'user',
      entityId: reset.user_id,
      ip: input.ip,
    })
    return { userId: Number(reset.user_id) }
  })
}

/** Change one's own password; the current one is required, and every other session ends. */
export async function changeOwnPassword(
  db: DB,
  input: { userId: number; sessionId: string; current: string; next: string; ip: string },
): Promise<{ signedOut: number }> {
  if (input.next.length < PASSWORD_MIN || input.next.length > PASSWORD_MAX)
    throw new Refusal('auth.passwordLength', { field: 'password' })
  if (!(await take(db, `password-change:${input.userId}`, RESET_EMAIL_LIMIT)))
    throw new Refusal('password.tooMany', { status: 429, field: 'current' })
  const user = await db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', input.userId)
    .executeTakeFirstOrThrow()
  const ok =
    user.password_hash !== null &&
    input.current.length <= PASSWORD_MAX &&
    (await verifyPassword(user.password_hash, input.current))
  if (!ok) throw new Refusal('password.currentWrong', { field: 'current' })
  const hash = await hashPassword(input.next)
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', input.userId).execute()
    const gone = await trx
      .deleteFrom('sessions')
      .where('user_id', '=', input.userId)
      .where('id', '!=', input.sessionId)
      .executeTakeFirst()
    await recordAudit(trx, {
      actorUserId: input.userId,
      action: 'auth.password_changed',
      entityType: 'user',
      entityId: input.userId,
      after: { otherSessionsEnded: Number(gone.numDeletedRows) },
      ip: input.ip,
    })
    return { signedOut: Number(gone.numDeletedRows) }
  })
}

/**
 * An admin forces a reset: the old password stops working at once, every session ends,
 * and the person gets a reset link by mail. Not on oneself (use the change-password page).
 */
export async function forcePasswordReset(db: DB, actor: Actor, userId: number): Promise<void> {
  const member = await getStaffMember(db, actor.scope, userId)
  if (!member) throw new Refusal('staff.notFound', { status: 404 })
  if (userId === actor.id) throw new Refusal('staff.self', { status: 400 })
  if (member.invited) throw new Refusal('staff.forceResetInvited', { status: 400 })
  const user = await db.selectFrom('users').select('locale').where('id', '=', userId).executeTakeFirstOrThrow()
  await db.transaction().execute(async (trx) => {
    // A hash no password matches: the account stays "set up" (not an open invitation).
    await trx
      .updateTable('users')
      .set({ password_hash: `reset-forced:${generateToken()}` })
      .where('id', '=', userId)
      .execute()
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute()
    await issueReset(trx, {
      userId,
      email: member.email,
      locale: user.locale === 'en' ? 'en' : 'zh-CN',
      createdBy: actor.id,
      ip: actor.ip,
      forced: true,
    })
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'staff.password_reset_forced',
      entityType: 'user',
      entityId: userId,
      ip: actor.ip,
    })
  })
}

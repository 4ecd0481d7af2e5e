import { redirect } from '@remix-run/node'
import { getDb, type DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import type { Locale } from '~/utils/i18n'
import { recordAudit } from '../audit/audit.server'
import { queueEmail } from '../mail/outbox.server'
import { Forbidden, loadGrants } from './authorize.server'
import { normaliseEmail } from './login.server'
import { roleHas } from './permissions'
import { take, type Limit } from './rate-limit.server'
import { createSession, getRequestSession, type CreatedSession } from './session.server'
import { generateToken, sha256Hex } from './tokens.server'

// The donor portal's sign-in: an emailed link, single use, 30 minutes.
//  - Asking for a link never reveals whether the email has gifts with us: the page
//    answers the same in every case, and a link is queued only when it does.
//  - Only the SHA-256 of the token is stored; consuming it is one conditional UPDATE,
//    so two clicks (or two processes) cannot both use it.
//  - The link's GET only shows a button; the POST consumes it, so mail scanners that
//    prefetch links do not burn it.
//  - A donor is a users row with a 'donor' grant and no station. An address that
//    belongs to a staff account never gets a link: the link would skip its password
//    and TOTP.

export const SIGN_IN_TTL_MS = 30 * 60_000
export const PORTAL_EMAIL_LIMIT: Limit = { max: 3, windowMs: 15 * 60_000 }
export const PORTAL_IP_LIMIT: Limit = { max: 20, windowMs: 15 * 60_000 }
/** The sign-in form answers no sooner than this, so timing does not tell which addresses have gifts. */
export const SIGN_IN_RESPONSE_FLOOR_MS = 250

/** Donations that make an address a donor (money actually arrived at some point). */
const GIFT_STATUSES = ['paid', 'refunded', 'partially_refunded', 'disputed'] as const

export type SignInRequestOutcome = 'sent' | 'rate_limited' | 'no_gifts' | 'not_a_donor_account' | 'invalid'

/** For tests and logs only: the page shows the same words whatever this says. */
export async function requestDonorSignIn(
  db: DB,
  input: { email: string; ip: string; locale: Locale; now?: Date },
): Promise<SignInRequestOutcome> {
  const email = normaliseEmail(input.email)
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254) return 'invalid'
  const now = input.now ?? new Date()
  const emailOk = await take(db, `portal:email:${email}`, PORTAL_EMAIL_LIMIT, now.getTime())
  const ipOk = await take(db, `portal:ip:${input.ip}`, PORTAL_IP_LIMIT, now.getTime())
  if (!emailOk || !ipOk) return 'rate_limited'

  const gift = await db
    .selectFrom('donations')
    .select('id')
    .where('donor_email', '=', email)
    .where('status', 'in', GIFT_STATUSES)
    .limit(1)
    .executeTakeFirst()
  if (!gift) return 'no_gifts'
  if (!(await mayUsePortal(db, email))) return 'not_a_donor_account'

  const token = generateToken()
  const tokenHash = sha256Hex(token)
  const at = now.toISOString()
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('portal_sign_in_tokens')
      .values({
        token_hash: tokenHash,
        email,
        created_at: at,
        expires_at: new Date(now.getTime() + SIGN_IN_TTL_MS).toISOString(),
        used_at: null,
        ip: input.ip,
      })
      .execute()
    await queueEmail(trx, {
      to: email,
      template: 'sign-in-link',
      locale: input.locale,
      dedupeKey: `portal-sign-in:${tokenHash}`,
      now: at,
      props: { url: `${getEnv().BASE_URL}/donor/signin/${token}`, expiresInMinutes: SIGN_IN_TTL_MS / 60_000 },
    })
  })
  return 'sent'
}

/** No account yet, or an active account whose every grant is a donor grant. */
async function mayUsePortal(db: DB, email: string): Promise<boolean> {
  const user = await db.selectFrom('users').select(['id', 'active']).where('email', '=', email).executeTakeFirst()
  if (!user) return true
  if (Number(user.active) !== 1) return false
  const grants = await db.selectFrom('role_grants').select('role').where('user_id', '=', user.id).execute()
  return grants.every((g) => g.role === 'donor')
}

const tokenShape = (token: string) => /^[a-z2-7]{16,64}$/.test(token)

/** Whether a link is still good (for the confirm page); does not use it up. */
export async function signInLinkIsValid(db: DB, token: string, now = new Date()): Promise<boolean> {
  if (!tokenShape(token)) return false
  const row = await db
    .selectFrom('portal_sign_in_tokens')
    .select('id')
    .where('token_hash', '=', sha256Hex(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst()
  return row !== undefined
}

/**
 * Use a link: marks it used (once, atomically), makes sure the donor has an account
 * with a donor grant, and starts a session. { ok: false } for an unknown, used or
 * expired link, and for an address that has since become a staff account.
 */
export async function consumeDonorSignIn(
  db: DB,
  input: { token: string; ip: string; userAgent?: string | null; now?: Date },
): Promise<({ ok: true; userId: number } & CreatedSession) | { ok: false }> {
  if (!tokenShape(input.token)) return { ok: false }
  const at = (input.now ?? new Date()).toISOString()
  const used = await db
    .updateTable('portal_sign_in_tokens')
    .set({ used_at: at })
    .where('token_hash', '=', sha256Hex(input.token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .returning('email')
    .executeTakeFirst()
  if (!used) return { ok: false }
  const email = used.email
  if (!(await mayUsePortal(db, email))) return { ok: false }

  const userId = await db.transaction().execute(async (trx) => {
    let user = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
    if (!user) {
      const latest = await trx
        .selectFrom('donations')
        .select(['donor_name', 'locale'])
        .where('donor_email', '=', email)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst()
      await trx
        .insertInto('users')
        .values({
          email,
          display_name: latest?.donor_name || email.split('@')[0]!,
          password_hash: null,
          locale: latest?.locale ?? 'zh-CN',
          created_at: at,
        })
        .onConflict((oc) => oc.column('email').doNothing())
        .execute()
      user = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()
    }
    const grant = await trx
      .selectFrom('role_grants')
      .select('id')
      .where('user_id', '=', user.id)
      .where('role', '=', 'donor')
      .executeTakeFirst()
    if (!grant)
      await trx
        .insertInto('role_grants')
        .values({ user_id: user.id, role: 'donor', station_id: null, created_at: at })
        .execute()
    return Number(user.id)
  })
  const session = await createSession(db, {
    userId,
    twoFactorVerified: false,
    ip: input.ip,
    userAgent: input.userAgent,
  })
  await recordAudit(db, {
    actorUserId: userId,
    action: 'auth.portal_login',
    entityType: 'user',
    entityId: userId,
    ip: input.ip,
  })
  return { ok: true, userId, ...session }
}

export type DonorUser = { id: number; email: string; displayName: string; locale: string; sessionId: string }

/** The signed-in donor, or null (no redirect). */
export async function getDonorUser(request: Request, db: DB = getDb()): Promise<DonorUser | null> {
  return donorOf(db, await getRequestSession(db, request))
}

async function donorOf(db: DB, valid: Awaited<ReturnType<typeof getRequestSession>>): Promise<DonorUser | null> {
  if (!valid) return null
  const grants = await loadGrants(db, valid.user.id)
  if (!grants.some((g) => roleHas(g.role, 'donor.portal'))) return null
  const { user, session } = valid
  return { id: user.id, email: user.email, displayName: user.displayName, locale: user.locale, sessionId: session.id }
}

/**
 * Every donor page starts here. No session → the sign-in page; a session without
 * the donor.portal permission (staff) → 403; any error while checking → 403.
 * A donor sees only what belongs to their own email: queries take donor.email.
 */
export async function requireDonor(request: Request, options: { db?: DB } = {}): Promise<DonorUser> {
  const db = options.db ?? getDb()
  try {
    const valid = await getRequestSession(db, request)
    if (!valid) throw redirect('/donor/signin')
    const donor = await donorOf(db, valid)
    if (!donor) throw new Forbidden()
    return donor
  } catch (error) {
    if (error instanceof Response) throw error
    console.error('donor check failed; denying:', error)
    throw new Forbidden()
  }
}

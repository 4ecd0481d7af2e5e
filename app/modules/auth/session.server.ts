import { Lucia, TimeSpan, type Session, type User } from 'lucia'
import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { KyselyAdapter } from './lucia-adapter.server'
import { generateToken, sha256Hex } from './tokens.server'

// Staff session policy (README "Staff access"):
//  - idle: a session lapses 12 h after its last renewal; Lucia renews it on use
//    once half of that has passed, so a working day never logs anyone out;
//  - absolute: 7 days after sign-in, however active, the session ends;
//  - a password-only session of a TOTP user lives 10 minutes and can do nothing
//    but submit the code; the verified session replaces it (a new token).
export const IDLE_TIMEOUT_MS = 12 * 3600_000
export const ABSOLUTE_TIMEOUT_MS = 7 * 86_400_000
export const PENDING_TOTP_TIMEOUT_MS = 10 * 60_000
export const SESSION_COOKIE = 'hl_session'

/** HttpOnly always (Lucia), SameSite=Lax, Secure in production. */
export function sessionCookieOptions(nodeEnv: string) {
  return {
    name: SESSION_COOKIE,
    expires: false,
    attributes: { secure: nodeEnv === 'production', sameSite: 'lax' as const },
  }
}

export function getLucia(db: DB, nodeEnv: string = getEnv().NODE_ENV) {
  return new Lucia(new KyselyAdapter(db), {
    sessionExpiresIn: new TimeSpan(IDLE_TIMEOUT_MS / 1000, 's'),
    sessionCookie: sessionCookieOptions(nodeEnv),
    getSessionAttributes: (a) => a,
    getUserAttributes: (a) => a,
  })
}

export type CreatedSession = { token: string; session: Session; cookie: string }

export async function createSession(
  db: DB,
  input: {
    userId: number
    twoFactorVerified: boolean
    pendingTotp?: boolean
    ip?: string | null
    userAgent?: string | null
  },
): Promise<CreatedSession> {
  const lucia = getLucia(db)
  const token = generateToken()
  const now = Date.now()
  const absolute = now + (input.pendingTotp ? PENDING_TOTP_TIMEOUT_MS : ABSOLUTE_TIMEOUT_MS)
  const session = await lucia.createSession(
    input.userId,
    {
      absoluteExpiresAt: new Date(absolute),
      twoFactorVerified: input.twoFactorVerified,
      ip: input.ip ?? null,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
      createdAt: new Date(now),
    },
    { sessionId: sha256Hex(token) },
  )
  return { token, session, cookie: sessionCookie(token, new Date(absolute), getEnv().NODE_ENV) }
}

/**
 * The Set-Cookie for a new session: the browser keeps it no longer than the session's
 * absolute limit (the server enforces the idle limit on every request).
 */
export function sessionCookie(token: string, absoluteExpiresAt: Date, nodeEnv: string, now = Date.now()): string {
  const maxAge = Math.max(0, Math.floor((absoluteExpiresAt.getTime() - now) / 1000))
  const secure = sessionCookieOptions(nodeEnv).attributes.secure ? '; Secure' : ''
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`
}

export function readSessionToken(request: Request): string | null {
  const header = request.headers.get('Cookie')
  if (!header) return null
  const match = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(header)
  const token = match?.[1]?.trim()
  return token && /^[a-z2-7]{16,64}$/.test(token) ? token : null
}

export type ValidSession = { session: Session; user: User }

/** The session behind a cookie token, renewed if due; null when unknown, expired or the user is inactive. */
export async function validateSessionToken(db: DB, token: string): Promise<ValidSession | null> {
  const lucia = getLucia(db)
  const { session, user } = await lucia.validateSession(sha256Hex(token))
  if (!session || !user) return null
  if (!user.active) {
    await lucia.invalidateUserSessions(user.id)
    return null
  }
  if (session.expiresAt > session.absoluteExpiresAt) session.expiresAt = session.absoluteExpiresAt
  return { session, user }
}

export async function getRequestSession(db: DB, request: Request): Promise<ValidSession | null> {
  const token = readSessionToken(request)
  return token ? validateSessionToken(db, token) : null
}

export function blankSessionCookie(db: DB): string {
  return getLucia(db).createBlankSessionCookie().serialize()
}

export async function invalidateSession(db: DB, sessionId: string) {
  await getLucia(db).invalidateSession(sessionId)
}

export async function invalidateUserSessions(db: DB, userId: number) {
  await getLucia(db).invalidateUserSessions(userId)
}

export type SessionSummary = {
  id: string
  current: boolean
  createdAt: string
  expiresAt: string
  absoluteExpiresAt: string
  ip: string | null
  userAgent: string | null
}

export async function listUserSessions(db: DB, userId: number, currentId: string): Promise<SessionSummary[]> {
  const sessions = await getLucia(db).getUserSessions(userId)
  return sessions.map((s) => ({
    id: s.id,
    current: s.id === currentId,
    createdAt: s.createdAt.toISOString(),
    expiresAt: new Date(Math.min(s.expiresAt.getTime(), s.absoluteExpiresAt.getTime())).toISOString(),
    absoluteExpiresAt: s.absoluteExpiresAt.toISOString(),
    ip: s.ip,
    userAgent: s.userAgent,
  }))
}

/** Sign out every session of the user except the current one; returns how many ended. */
export async function revokeOtherSessions(db: DB, userId: number, currentId: string): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('id', '!=', currentId)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Sign out one of the user's own sessions (never someone else's). */
export async function revokeSession(db: DB, userId: number, sessionId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('id', '=', sessionId)
    .executeTakeFirst()
  return Number(result.numDeletedRows) === 1
}

/** The user just proved possession of their authenticator in this session. */
export async function markTwoFactorVerified(db: DB, sessionId: string): Promise<void> {
  await db.updateTable('sessions').set({ two_factor_verified: 1 }).where('id', '=', sessionId).execute()
}

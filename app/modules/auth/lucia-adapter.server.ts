import type { Adapter, DatabaseSession, DatabaseUser, Lucia } from 'lucia'
import type { DB } from '~/utils/db.server'

// Lucia 3's Adapter over Kysely, the same SQL on SQLite and PostgreSQL.
// Session ids handed to Lucia are already SHA-256 hashes of the cookie token.
// The absolute limit is enforced here: the expiry Lucia sees is never later than
// absolute_expires_at, and a renewal is clamped to it.

export type SessionAttributes = {
  absoluteExpiresAt: Date
  twoFactorVerified: boolean
  ip: string | null
  userAgent: string | null
  createdAt: Date
}
export type UserAttributes = { email: string; displayName: string; active: boolean; locale: string }

declare module 'lucia' {
  interface Register {
    Lucia: Lucia<SessionAttributes, UserAttributes>
    UserId: number
    DatabaseSessionAttributes: SessionAttributes
    DatabaseUserAttributes: UserAttributes
  }
}

type SessionRow = {
  id: string
  user_id: number
  expires_at: string
  absolute_expires_at: string
  two_factor_verified: number
  ip: string | null
  user_agent: string | null
  created_at: string
}

function toSession(row: SessionRow): DatabaseSession {
  const expires = Math.min(Date.parse(row.expires_at), Date.parse(row.absolute_expires_at))
  return {
    id: row.id,
    userId: Number(row.user_id),
    expiresAt: new Date(expires),
    attributes: {
      absoluteExpiresAt: new Date(row.absolute_expires_at),
      twoFactorVerified: Number(row.two_factor_verified) === 1,
      ip: row.ip,
      userAgent: row.user_agent,
      createdAt: new Date(row.created_at),
    },
  }
}

export class KyselyAdapter implements Adapter {
  constructor(private readonly db: DB) {}

  async getSessionAndUser(sessionId: string): Promise<[DatabaseSession | null, DatabaseUser | null]> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id',
        'sessions.user_id',
        'sessions.expires_at',
        'sessions.absolute_expires_at',
        'sessions.two_factor_verified',
        'sessions.ip',
        'sessions.user_agent',
        'sessions.created_at',
        'users.email',
        'users.display_name',
        'users.active',
        'users.locale',
      ])
      .where('sessions.id', '=', sessionId)
      .executeTakeFirst()
    if (!row) return [null, null]
    const user: DatabaseUser = {
      id: Number(row.user_id),
      attributes: {
        email: row.email,
        displayName: row.display_name,
        active: Number(row.active) === 1,
        locale: row.locale,
      },
    }
    return [toSession(row), user]
  }

  async getUserSessions(userId: number): Promise<DatabaseSession[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute()
    return rows.map(toSession)
  }

  async setSession(session: DatabaseSession): Promise<void> {
    const a = session.attributes
    await this.db
      .insertInto('sessions')
      .values({
        id: session.id,
        user_id: session.userId,
        expires_at: new Date(Math.min(session.expiresAt.getTime(), a.absoluteExpiresAt.getTime())).toISOString(),
        absolute_expires_at: a.absoluteExpiresAt.toISOString(),
        two_factor_verified: a.twoFactorVerified ? 1 : 0,
        ip: a.ip,
        user_agent: a.userAgent,
        created_at: a.createdAt.toISOString(),
      })
      .execute()
  }

  async updateSessionExpiration(sessionId: string, expiresAt: Date): Promise<void> {
    const row = await this.db
      .selectFrom('sessions')
      .select('absolute_expires_at')
      .where('id', '=', sessionId)
      .executeTakeFirst()
    if (!row) return
    const clamped = Math.min(expiresAt.getTime(), Date.parse(row.absolute_expires_at))
    await this.db
      .updateTable('sessions')
      .set({ expires_at: new Date(clamped).toISOString() })
      .where('id', '=', sessionId)
      .execute()
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', sessionId).execute()
  }

  async deleteUserSessions(userId: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute()
  }

  async deleteExpiredSessions(): Promise<void> {
    const now = new Date().toISOString()
    await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('absolute_expires_at', '<=', now)]))
      .execute()
  }
}

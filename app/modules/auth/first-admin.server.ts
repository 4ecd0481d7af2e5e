import type { DB } from '~/utils/db.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import { normaliseEmail } from './login.server'
import { issueInvite } from './staff.server'

// The first admin of a production database (npm run admin:create): a user without a
// password, an admin grant on the root station (created when there is none), and a
// one-time link on which that person sets the password. Nothing secret is ever passed in.

export const ADMIN_LINK_TTL_MS = 24 * 3_600_000
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export type CreateAdminInput = {
  email: string
  displayName?: string
  /** Name of the root station: picks an existing root, or names the one created. */
  stationName?: string
  /** Allow a further admin when an active one exists already. */
  another?: boolean
  baseUrl: string
}

export type CreatedAdmin = {
  userId: number
  stationId: number
  stationName: string
  stationCreated: boolean
  link: string
  expiresAt: string
}

async function activeAdminCount(db: DB): Promise<number> {
  const row = await db
    .selectFrom('role_grants')
    .innerJoin('users', 'users.id', 'role_grants.user_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role_grants.role', '=', 'admin')
    .where('users.active', '=', 1)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** The root station to grant on: the one named, else the only (or first) root; created when there is none. */
async function rootStation(db: DB, name: string | undefined, at: string) {
  const roots = await db
    .selectFrom('stations')
    .select(['id', 'name'])
    .where('parent_id', 'is', null)
    .orderBy('id')
    .execute()
  if (roots.length > 0) {
    const root = name ? roots.find((r) => r.name === name) : roots[0]
    if (!root) throw new Refusal('adminCreate.noSuchRoot', { params: { name: name ?? '' }, field: 'station' })
    return { id: Number(root.id), name: root.name, created: false }
  }
  const stationName = name?.trim() || '希望工程总站'
  // The path is the id chain (/7/), known only after the insert.
  const row = await db
    .insertInto('stations')
    .values({
      parent_id: null,
      level: 'province',
      code: '000000', // no division code for the whole organisation; an admin may set one on the stations page
      name: stationName,
      name_en: stationName,
      path: `pending-root-${at}`,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .updateTable('stations')
    .set({ path: `/${row.id}/` })
    .where('id', '=', row.id)
    .execute()
  return { id: Number(row.id), name: stationName, created: true }
}

export async function createAdmin(db: DB, input: CreateAdminInput): Promise<CreatedAdmin> {
  const email = normaliseEmail(input.email)
  if (!EMAIL.test(email) || email.length > 254) throw new Refusal('auth.emailInvalid', { field: 'email' })
  return db.transaction().execute(async (trx) => {
    if (!input.another && (await activeAdminCount(trx)) > 0)
      throw new Refusal('adminCreate.adminExists', { status: 409 })
    const taken = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
    if (taken) throw new Refusal('adminCreate.emailTaken', { status: 409, field: 'email' })
    const at = new Date().toISOString()
    const station = await rootStation(trx, input.stationName, at)
    const displayName = input.displayName?.trim() || email.split('@')[0] || email
    const user = await trx
      .insertInto('users')
      .values({ email, display_name: displayName, password_hash: null, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    const userId = Number(user.id)
    await trx
      .insertInto('role_grants')
      .values({ user_id: userId, role: 'admin', station_id: station.id, created_at: at })
      .execute()
    const { token, expiresAt } = await issueInvite(trx, userId, null, ADMIN_LINK_TTL_MS)
    await recordAudit(trx, {
      actorUserId: null,
      action: 'staff.admin_created',
      entityType: 'user',
      entityId: userId,
      stationId: station.id,
      after: { email, displayName, role: 'admin', stationId: station.id, stationCreated: station.created },
      ip: 'cli',
    })
    return {
      userId,
      stationId: station.id,
      stationName: station.name,
      stationCreated: station.created,
      link: `${input.baseUrl}/invite/${token}`,
      expiresAt,
    }
  })
}

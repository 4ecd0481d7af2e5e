import type { DB } from '~/utils/db.server'
import { recordAudit } from '../audit/audit.server'
import { pathInScope, scopeCondition } from '../stations/scope.server'
import { type STAFF_ROLES } from './permissions'
import { queueInvitationMail } from './invite-mail.server'
import { generateToken, sha256Hex } from './tokens.server'
import { normaliseEmail } from './login.server'
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from './password.server'
import { resetTotp } from './totp.server'

// Staff administration: invite, grant and revoke roles on stations, deactivate.
// Every command takes the actor's staff.manage scope and refuses stations outside it
// (reported as 'not_found', so existence is not revealed), and writes the audit log.

export const INVITE_TTL_MS = 7 * 86_400_000
export type Actor = { id: number; scope: string[]; ip: string }
export type StaffRole = (typeof STAFF_ROLES)[number]
export type StaffError = 'not_found' | 'email_taken' | 'self' | 'duplicate' | 'invalid_invite' | 'password_length'

export type StaffMember = {
  id: number
  email: string
  displayName: string
  active: boolean
  invited: boolean
  grants: { id: number; role: string; stationId: number; stationName: string; stationPath: string }[]
}

async function stationPath(db: DB, stationId: number): Promise<string | undefined> {
  return (await db.selectFrom('stations').select('path').where('id', '=', stationId).executeTakeFirst())?.path
}

/** Staff with at least one grant inside the scope. */
export async function listStaff(db: DB, scope: string[]): Promise<StaffMember[]> {
  const grants = await db
    .selectFrom('role_grants')
    .innerJoin('stations', 'stations.id', 'role_grants.station_id')
    .innerJoin('users', 'users.id', 'role_grants.user_id')
    .select([
      'role_grants.id',
      'role_grants.role',
      'role_grants.user_id',
      'stations.id as stationId',
      'stations.name',
      'stations.path',
      'users.email',
      'users.display_name',
      'users.active',
      'users.password_hash',
    ])
    .where(scopeCondition('stations.path', scope))
    .orderBy('users.email')
    .execute()
  const byUser = new Map<number, StaffMember>()
  for (const g of grants) {
    const id = Number(g.user_id)
    const member = byUser.get(id) ?? {
      id,
      email: g.email,
      displayName: g.display_name,
      active: Number(g.active) === 1,
      invited: g.password_hash === null,
      grants: [],
    }
    member.grants.push({
      id: Number(g.id),
      role: g.role,
      stationId: Number(g.stationId),
      stationName: g.name,
      stationPath: g.path,
    })
    byUser.set(id, member)
  }
  return [...byUser.values()]
}

export async function getStaffMember(db: DB, scope: string[], userId: number): Promise<StaffMember | null> {
  return (await listStaff(db, scope)).find((m) => m.id === userId) ?? null
}

/** A one-time set-password link's token; only its SHA-256 is stored. actorId null: issued from the command line. */
export async function issueInvite(
  db: DB,
  userId: number,
  actorId: number | null,
  ttlMs = INVITE_TTL_MS,
): Promise<{ id: number; token: string; expiresAt: string }> {
  const token = generateToken()
  const now = Date.now()
  const expiresAt = new Date(now + ttlMs).toISOString()
  const row = await db
    .insertInto('staff_invites')
    .values({
      user_id: userId,
      token_hash: sha256Hex(token),
      created_by: actorId,
      created_at: new Date(now).toISOString(),
      expires_at: expiresAt,
      used_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: Number(row.id), token, expiresAt }
}

/**
 * Create an invited user (no password yet) with one grant, and an invite link, mailed
 * through the outbox in the same transaction. Only the token's hash is stored; the link is
 * also returned once, for the admin to hand over should the mail not arrive.
 */
export async function inviteStaff(
  db: DB,
  actor: Actor,
  input: { email: string; displayName: string; role: StaffRole; stationId: number },
  baseUrl: string,
): Promise<{ ok: true; userId: number; link: string } | { ok: false; error: StaffError }> {
  const path = await stationPath(db, input.stationId)
  if (!path || !pathInScope(actor.scope, path)) return { ok: false, error: 'not_found' }
  const email = normaliseEmail(input.email)
  const taken = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
  if (taken) return { ok: false, error: 'email_taken' }
  const at = new Date().toISOString()
  const result = await db.transaction().execute(async (trx) => {
    const user = await trx
      .insertInto('users')
      .values({ email, display_name: input.displayName, password_hash: null, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    const userId = Number(user.id)
    await trx
      .insertInto('role_grants')
      .values({ user_id: userId, role: input.role, station_id: input.stationId, created_at: at })
      .execute()
    const { id: inviteId, token, expiresAt } = await issueInvite(trx, userId, actor.id)
    const link = `${baseUrl}/invite/${token}`
    await queueInvitationMail(trx, { inviteId, userId, actorId: actor.id, link, expiresAt })
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'staff.invite',
      entityType: 'user',
      entityId: userId,
      stationId: input.stationId,
      after: { email, displayName: input.displayName, role: input.role, stationId: input.stationId },
      ip: actor.ip,
    })
    return { userId, link }
  })
  return { ok: true, userId: result.userId, link: result.link }
}

/** A new link, mailed again, for someone who has not set a password yet; earlier links stop working. */
export async function reissueInvite(
  db: DB,
  actor: Actor,
  userId: number,
  baseUrl: string,
): Promise<{ ok: true; link: string } | { ok: false; error: StaffError }> {
  const member = await getStaffMember(db, actor.scope, userId)
  if (!member) return { ok: false, error: 'not_found' }
  if (!member.invited) return { ok: false, error: 'invalid_invite' }
  const link = await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('staff_invites')
      .set({ used_at: new Date().toISOString() })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .execute()
    const { id: inviteId, token, expiresAt } = await issueInvite(trx, userId, actor.id)
    const l = `${baseUrl}/invite/${token}`
    await queueInvitationMail(trx, { inviteId, userId, actorId: actor.id, link: l, expiresAt })
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'staff.invite_reissued',
      entityType: 'user',
      entityId: userId,
      ip: actor.ip,
    })
    return l
  })
  return { ok: true, link }
}

export async function findInvite(db: DB, token: string) {
  return db
    .selectFrom('staff_invites')
    .innerJoin('users', 'users.id', 'staff_invites.user_id')
    .select(['staff_invites.id', 'staff_invites.user_id', 'users.email', 'users.display_name', 'users.active'])
    .where('staff_invites.token_hash', '=', sha256Hex(token))
    .where('staff_invites.used_at', 'is', null)
    .where('staff_invites.expires_at', '>', new Date().toISOString())
    .executeTakeFirst()
}

/** Set the password from an invite link; the link works once. */
export async function acceptInvite(
  db: DB,
  input: { token: string; password: string; ip: string },
): Promise<{ ok: true; userId: number } | { ok: false; error: StaffError }> {
  if (input.password.length < PASSWORD_MIN || input.password.length > PASSWORD_MAX)
    return { ok: false, error: 'password_length' }
  const invite = await findInvite(db, input.token)
  if (!invite || Number(invite.active) !== 1) return { ok: false, error: 'invalid_invite' }
  const hash = await hashPassword(input.password)
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('staff_invites')
      .set({ used_at: new Date().toISOString() })
      .where('id', '=', invite.id)
      .where('used_at', 'is', null)
      .executeTakeFirst()
    if (Number(used.numUpdatedRows) !== 1) return { ok: false as const, error: 'invalid_invite' as const }
    await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', invite.user_id).execute()
    await recordAudit(trx, {
      actorUserId: Number(invite.user_id),
      action: 'staff.password_set',
      entityType: 'user',
      entityId: invite.user_id,
      ip: input.ip,
    })
    return { ok: true as const, userId: Number(invite.user_id) }
  })
}

export async function addGrant(
  db: DB,
  actor: Actor,
  input: { userId: number; role: StaffRole; stationId: number },
): Promise<{ ok: true } | { ok: false; error: StaffError }> {
  const member = await getStaffMember(db, actor.scope, input.userId)
  const path = await stationPath(db, input.stationId)
  if (!member || !path || !pathInScope(actor.scope, path)) return { ok: false, error: 'not_found' }
  if (member.grants.some((g) => g.role === input.role && g.stationId === input.stationId))
    return { ok: false, error: 'duplicate' }
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('role_grants')
      .values({
        user_id: input.userId,
        role: input.role,
        station_id: input.stationId,
        created_at: new Date().toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'staff.grant_added',
      entityType: 'role_grant',
      entityId: row.id,
      stationId: input.stationId,
      after: { userId: input.userId, role: input.role, stationId: input.stationId },
      ip: actor.ip,
    })
  })
  return { ok: true }
}

export async function removeGrant(
  db: DB,
  actor: Actor,
  input: { userId: number; grantId: number },
): Promise<{ ok: true } | { ok: false; error: StaffError }> {
  const member = await getStaffMember(db, actor.scope, input.userId)
  const grant = member?.grants.find((g) => g.id === input.grantId)
  if (!member || !grant || !pathInScope(actor.scope, grant.stationPath)) return { ok: false, error: 'not_found' }
  if (input.userId === actor.id && grant.role === 'admin') return { ok: false, error: 'self' }
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('role_grants').where('id', '=', grant.id).execute()
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'staff.grant_removed',
      entityType: 'role_grant',
      entityId: grant.id,
      stationId: grant.stationId,
      before: { userId: input.userId, role: grant.role, stationId: grant.stationId },
      ip: actor.ip,
    })
  })
  await db.deleteFrom('sessions').where('user_id', '=', input.userId).execute()
  return { ok: true }
}

/** Deactivate (signs the user out everywhere) or reactivate. An admin cannot deactivate themself. */
export async function setActive(
  db: DB,
  actor: Actor,
  input: { userId: number; active: boolean },
): Promise<{ ok: true } | { ok: false; error: StaffError }> {
  const member = await getStaffMember(db, actor.scope, input.userId)
  if (!member) return { ok: false, error: 'not_found' }
  if (input.userId === actor.id) return { ok: false, error: 'self' }
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ active: input.active ? 1 : 0 })
      .where('id', '=', input.userId)
      .execute()
    if (!input.active) await trx.deleteFrom('sessions').where('user_id', '=', input.userId).execute()
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: input.active ? 'staff.activated' : 'staff.deactivated',
      entityType: 'user',
      entityId: input.userId,
      before: { active: member.active },
      after: { active: input.active },
      ip: actor.ip,
    })
  })
  return { ok: true }
}

/** Lost authenticator: remove the user's TOTP so they enrol again; signs them out. */
export async function adminResetTotp(
  db: DB,
  actor: Actor,
  userId: number,
): Promise<{ ok: true } | { ok: false; error: StaffError }> {
  const member = await getStaffMember(db, actor.scope, userId)
  if (!member) return { ok: false, error: 'not_found' }
  if (userId === actor.id) return { ok: false, error: 'self' }
  await resetTotp(db, userId)
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute()
  await recordAudit(db, {
    actorUserId: actor.id,
    action: 'staff.totp_reset',
    entityType: 'user',
    entityId: userId,
    ip: actor.ip,
  })
  return { ok: true }
}

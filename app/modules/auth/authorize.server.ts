import { redirect, type AppLoadContext } from '@remix-run/node'
import type { Session } from 'lucia'
import { getDb, type DB } from '~/utils/db.server'
import { normaliseScope, pathInScope } from '../stations/scope.server'
import { permissionsOf, TOTP_REQUIRED_ROLES, type KnownRole, type Permission } from './permissions'
import { getRequestSession } from './session.server'
import { getTotpStatus } from './totp.server'
import { notFound } from '~/utils/http.server'

// The one authorisation helper. Every admin loader and action starts with
// requireStaff(request, { permission, stationId? }):
//   no valid session            → redirect to /login
//   TOTP user, code not yet given → redirect to /login/totp
//   no grant carrying permission  → 403
//   stationId outside the grants' subtrees → 404 (existence is not revealed)
//   any error while checking      → 403 (deny)

export type Grant = {
  id: number
  role: string
  stationId: number | null
  stationPath: string | null
  stationName: string | null
}

export type StaffUser = {
  id: number
  email: string
  displayName: string
  locale: string
  grants: Grant[]
  totpEnabled: boolean
  session: Pick<Session, 'id' | 'expiresAt' | 'absoluteExpiresAt' | 'twoFactorVerified'>
}

export class Forbidden extends Response {
  constructor(message = 'Forbidden') {
    super(message, { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  }
}

export async function loadGrants(db: DB, userId: number): Promise<Grant[]> {
  const rows = await db
    .selectFrom('role_grants')
    .leftJoin('stations', 'stations.id', 'role_grants.station_id')
    .select(['role_grants.id', 'role_grants.role', 'role_grants.station_id', 'stations.path', 'stations.name'])
    .where('role_grants.user_id', '=', userId)
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    role: r.role,
    stationId: r.station_id === null ? null : Number(r.station_id),
    stationPath: r.path,
    stationName: r.name,
  }))
}

/** Station path prefixes where the user holds `permission`. Donor grants (no station) never scope anything. */
export function stationScope(user: Pick<StaffUser, 'grants'>, permission: Permission): string[] {
  return normaliseScope(
    user.grants.filter((g) => g.stationPath && permissionsOf(g.role).has(permission)).map((g) => g.stationPath!),
  )
}

/** Does the user hold `permission` anywhere (or, given a station path, over that station)? */
export function can(user: Pick<StaffUser, 'grants'>, permission: Permission, stationPath?: string): boolean {
  try {
    const scope = stationScope(user, permission)
    return stationPath === undefined ? scope.length > 0 : pathInScope(scope, stationPath)
  } catch {
    return false
  }
}

/** True when the scope includes a root station (province level): sees rows tied to no station. */
export function hasRootScope(user: Pick<StaffUser, 'grants'>, permission: Permission): boolean {
  return stationScope(user, permission).some((p) => p.split('/').filter(Boolean).length === 1)
}

export function loginRedirect(request: Request, headers?: HeadersInit): Response {
  const url = new URL(request.url)
  const back = url.pathname.replace(/\.data$/, '') + url.search
  return redirect(`/login?redirectTo=${encodeURIComponent(back)}`, { headers })
}

/** The signed-in staff member, or null (no redirect). Throws nothing on a bad cookie. */
export async function getStaffUser(request: Request, db: DB = getDb()): Promise<StaffUser | null> {
  const valid = await getRequestSession(db, request)
  if (!valid) return null
  const { session, user } = valid
  const [grants, totp] = await Promise.all([loadGrants(db, user.id), getTotpStatus(db, user.id)])
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    locale: user.locale,
    grants,
    totpEnabled: totp.enabled,
    session: {
      id: session.id,
      expiresAt: session.expiresAt,
      absoluteExpiresAt: session.absoluteExpiresAt,
      twoFactorVerified: session.twoFactorVerified,
    },
  }
}

export async function requireStaff(
  request: Request,
  options: { permission: Permission; stationId?: number | null; db?: DB },
): Promise<StaffUser> {
  const db = options.db ?? getDb()
  try {
    const staff = await getStaffUser(request, db)
    if (!staff) throw loginRedirect(request)
    if (staff.totpEnabled && !staff.session.twoFactorVerified) throw redirect('/login/totp')
    // The body names the permission: the admin layout's error boundary says what is missing.
    if (!can(staff, options.permission)) throw new Forbidden(`missing permission: ${options.permission}`)
    if (options.stationId !== undefined && options.stationId !== null) {
      const station = await db
        .selectFrom('stations')
        .select('path')
        .where('id', '=', options.stationId)
        .executeTakeFirst()
      if (!station || !can(staff, options.permission, station.path)) throw notFound()
    }
    return staff
  } catch (error) {
    if (error instanceof Response) throw error
    console.error('authorisation check failed; denying:', error)
    throw new Forbidden()
  }
}

/** Whether this user's roles oblige TOTP (admin, finance). */
export function totpRequired(user: Pick<StaffUser, 'grants'>): boolean {
  return user.grants.some((g) => (TOTP_REQUIRED_ROLES as readonly string[]).includes(g.role as KnownRole))
}

/**
 * The gate before any approval (disbursements, payouts): the user holds
 * disbursements.approve over the station (when given), has TOTP enrolled, and this
 * session was signed in with a TOTP code. Throws 403 otherwise.
 */
export function assertCanApprove(staff: StaffUser, stationPath?: string): void {
  if (!can(staff, 'disbursements.approve', stationPath)) throw new Forbidden()
  requireTotp(staff)
}

/**
 * requireStaff for an approval over a station: disbursements.approve on that station
 * (404 outside the subtree), TOTP enrolled and used in this session (403 otherwise).
 */
export async function requireApprover(
  request: Request,
  options: { stationId?: number | null; db?: DB } = {},
): Promise<StaffUser> {
  const staff = await requireStaff(request, {
    permission: 'disbursements.approve',
    stationId: options.stationId,
    db: options.db,
  })
  requireTotp(staff)
  return staff
}

/** 403 unless TOTP is enrolled and this session passed it. */
export function requireTotp(staff: StaffUser): void {
  if (!staff.totpEnabled || !staff.session.twoFactorVerified)
    throw new Forbidden('TOTP required: enrol at /admin/security and sign in again with a code')
}

/** The client address Express put in the load context (req.ip), for rate limits and the audit log. */
export function clientIp(context: AppLoadContext | undefined): string {
  return typeof context?.clientIp === 'string' && context.clientIp ? context.clientIp : 'unknown'
}

import type { DB } from '~/utils/db.server'
import type { MessageKey } from '~/utils/i18n'
import { scopeCondition } from '../stations/scope.server'

// The audit log: who did what to which entity, with before/after for changes and a
// row for every read of a student's personal data. Rows are only ever inserted;
// database triggers refuse UPDATE and DELETE on both dialects.

// Every action and entity kind has words in the catalogue (audit.do.*, audit.kind.*), so the
// audit page never shows a stored code: a new one does not compile until it is named.
type Suffix<P extends string, K> = K extends `${P}${infer S}` ? S : never
export type AuditAction = Suffix<'audit.do.', MessageKey>
export type AuditKind = Suffix<'audit.kind.', MessageKey>

export type AuditEntry = {
  actorUserId: number | null
  action: AuditAction
  entityType: AuditKind
  entityId?: string | number | null
  stationId?: number | null
  before?: unknown
  after?: unknown
  ip?: string | null
}

const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value))

/** Append one row; pass a transaction to make it part of the change it records. */
export async function recordAudit(db: DB, entry: AuditEntry, now = new Date()): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: now.toISOString(),
      actor_user_id: entry.actorUserId,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
      station_id: entry.stationId ?? null,
      before: json(entry.before),
      after: json(entry.after),
      ip: entry.ip ?? null,
    })
    .execute()
}

export type AuditFilters = {
  actor?: string
  action?: string
  entityType?: string
  entityId?: string
  from?: string
  to?: string
}

export type AuditRow = {
  id: number
  at: string
  actorEmail: string | null
  action: string
  entityType: string
  entityId: string | null
  stationName: string | null
  stationNameEn: string | null
  before: string | null
  after: string | null
  ip: string | null
}

/**
 * Rows visible to a holder of audit.read with these station prefixes: rows tied to a
 * station in scope; rows tied to no station (sign-ins, staff changes) only for holders
 * whose scope includes a root station.
 */
export async function listAudit(
  db: DB,
  input: { scope: string[]; rootScope: boolean; filters: AuditFilters; limit?: number; offset?: number },
): Promise<AuditRow[]> {
  const f = input.filters
  let q = db
    .selectFrom('audit_log')
    .leftJoin('users', 'users.id', 'audit_log.actor_user_id')
    .leftJoin('stations', 'stations.id', 'audit_log.station_id')
    .select([
      'audit_log.id',
      'audit_log.at',
      'users.email as actorEmail',
      'audit_log.action',
      'audit_log.entity_type as entityType',
      'audit_log.entity_id as entityId',
      'stations.name as stationName',
      'stations.name_en as stationNameEn',
      'audit_log.before',
      'audit_log.after',
      'audit_log.ip',
    ])
  q = input.rootScope
    ? q
    : q.where('audit_log.station_id', 'is not', null).where(scopeCondition('stations.path', input.scope))
  if (f.actor) q = q.where('users.email', '=', f.actor.trim().toLowerCase())
  if (f.action) q = q.where('audit_log.action', '=', f.action)
  if (f.entityType) q = q.where('audit_log.entity_type', '=', f.entityType)
  if (f.entityId) q = q.where('audit_log.entity_id', '=', f.entityId)
  if (f.from) q = q.where('audit_log.at', '>=', f.from)
  if (f.to) q = q.where('audit_log.at', '<', f.to)
  const rows = await q
    .orderBy('audit_log.id', 'desc')
    .limit(input.limit ?? 100)
    .offset(input.offset ?? 0)
    .execute()
  return rows.map((r) => ({ ...r, id: Number(r.id) }))
}

export async function listAuditActions(db: DB): Promise<string[]> {
  const rows = await db.selectFrom('audit_log').select('action').distinct().orderBy('action').execute()
  return rows.map((r) => r.action)
}

import crypto from 'node:crypto'
import { sql, type Selectable } from 'kysely'
import type { StationsTable } from '../../../db/schema'
import type { DB } from '~/utils/db.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit, type AuditAction } from '../audit/audit.server'
import { pathInScope, scopeCondition } from './scope.server'
import { STATION_LEVELS, type AddStation, type RenameStation } from './schema'

// The station tree as admins keep it: add a child, rename, deactivate or reactivate,
// and delete only a station nothing refers to (a station with students, staff, batches,
// campaigns, wishes or children is kept; deactivate it instead). Scope is unchanged: a
// grant covers the subtree, so an admin acts only on stations inside theirs.

export type Actor = { id: number; ip: string; scope: readonly string[] }
type StationRow = Selectable<StationsTable>

export type StationNode = {
  id: number
  parentId: number | null
  level: StationRow['level']
  code: string
  name: string
  nameEn: string
  active: boolean
  depth: number
  staff: number
  students: number
  batches: number
}

const countBy = async (db: DB, table: 'beneficiaries' | 'award_batches', ids: number[]) => {
  const rows = ids.length
    ? await db
        .selectFrom(table)
        .select(['station_id', sql<number>`count(*)`.as('n')])
        .where('station_id', 'in', ids)
        .groupBy('station_id')
        .execute()
    : []
  return new Map(rows.map((r) => [Number(r.station_id), Number(r.n)]))
}

/** The stations in scope in tree order, each with its own staff, students and batches. */
export async function stationTree(db: DB, scope: readonly string[]): Promise<StationNode[]> {
  const rows = await db.selectFrom('stations').selectAll().where(scopeCondition('path', scope)).execute()
  const ids = rows.map((r) => Number(r.id))
  const [students, batches, staffRows] = await Promise.all([
    countBy(db, 'beneficiaries', ids),
    countBy(db, 'award_batches', ids),
    ids.length
      ? db
          .selectFrom('role_grants')
          .innerJoin('users', 'users.id', 'role_grants.user_id')
          .select(['role_grants.station_id', sql<number>`count(distinct role_grants.user_id)`.as('n')])
          .where('role_grants.station_id', 'in', ids)
          .where('users.active', '=', 1)
          .groupBy('role_grants.station_id')
          .execute()
      : [],
  ])
  const staff = new Map(staffRows.map((r) => [Number(r.station_id), Number(r.n)]))
  // Tree order: the numeric segments of the path, not its text.
  const key = (p: string) =>
    p
      .split('/')
      .filter(Boolean)
      .map((n) => n.padStart(12, '0'))
      .join('/')
  return rows
    .sort((a, b) => (key(a.path) < key(b.path) ? -1 : 1))
    .map((r) => {
      const id = Number(r.id)
      return {
        id,
        parentId: r.parent_id === null ? null : Number(r.parent_id),
        level: r.level,
        code: r.code,
        name: r.name,
        nameEn: r.name_en,
        active: Number(r.active) === 1,
        depth: r.path.split('/').filter(Boolean).length - 1,
        staff: staff.get(id) ?? 0,
        students: students.get(id) ?? 0,
        batches: batches.get(id) ?? 0,
      }
    })
}

/** The station when it lies in the scope; otherwise a 404 (its existence is not revealed). */
async function stationInScope(db: DB, scope: readonly string[], id: number): Promise<StationRow> {
  const row = await db.selectFrom('stations').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row || !pathInScope(scope, row.path)) throw new Refusal('stations.error.notFound', { status: 404 })
  return row
}

export async function addStation(db: DB, actor: Actor, input: AddStation, now = new Date()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const parent = await stationInScope(trx, actor.scope, input.parentId)
    if (Number(parent.active) !== 1) throw new Refusal('stations.error.parentInactive', { field: 'parentId' })
    if (STATION_LEVELS.indexOf(input.level) <= STATION_LEVELS.indexOf(parent.level))
      throw new Refusal('stations.error.levelBelow', { field: 'level' })
    const taken = await trx.selectFrom('stations').select('id').where('code', '=', input.code).executeTakeFirst()
    if (taken) throw new Refusal('stations.error.codeTaken', { field: 'code', status: 409 })
    // The path holds the new id, known only after the insert: a unique placeholder first.
    const row = await trx
      .insertInto('stations')
      .values({
        parent_id: parent.id,
        level: input.level,
        code: input.code,
        name: input.name,
        name_en: input.nameEn,
        path: `pending:${crypto.randomUUID()}`,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const created = await trx
      .updateTable('stations')
      .set({ path: `${parent.path}${row.id}/` })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await audit(trx, actor, 'station.created', created, null, created, now)
    return Number(row.id)
  })
}

export async function renameStation(db: DB, actor: Actor, input: RenameStation, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await stationInScope(trx, actor.scope, input.stationId)
    const after = await trx
      .updateTable('stations')
      .set({ name: input.name, name_en: input.nameEn })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await audit(trx, actor, 'station.renamed', after, before, after, now)
  })
}

export async function setStationActive(
  db: DB,
  actor: Actor,
  input: { stationId: number; active: boolean },
  now = new Date(),
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await stationInScope(trx, actor.scope, input.stationId)
    if (input.active) {
      const parent =
        before.parent_id === null
          ? null
          : await trx.selectFrom('stations').select('active').where('id', '=', before.parent_id).executeTakeFirst()
      if (parent && Number(parent.active) !== 1) throw new Refusal('stations.error.parentInactive', { status: 409 })
    } else {
      // The root holds everyone's grants; an active child under an inactive parent would be an orphan.
      if (before.parent_id === null) throw new Refusal('stations.error.root', { status: 409 })
      const child = await trx
        .selectFrom('stations')
        .select('id')
        .where('parent_id', '=', before.id)
        .where('active', '=', 1)
        .executeTakeFirst()
      if (child) throw new Refusal('stations.error.activeChildren', { status: 409 })
    }
    const after = await trx
      .updateTable('stations')
      .set({ active: input.active ? 1 : 0 })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await audit(trx, actor, input.active ? 'station.reactivated' : 'station.deactivated', after, before, after, now)
  })
}

/** Delete a station nothing refers to; anything with history is only ever deactivated. */
export async function deleteStation(db: DB, actor: Actor, stationId: number, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await stationInScope(trx, actor.scope, stationId)
    const uses = await Promise.all([
      trx.selectFrom('stations').select('id').where('parent_id', '=', before.id).executeTakeFirst(),
      trx.selectFrom('beneficiaries').select('id').where('station_id', '=', before.id).executeTakeFirst(),
      trx.selectFrom('role_grants').select('id').where('station_id', '=', before.id).executeTakeFirst(),
      trx.selectFrom('award_batches').select('id').where('station_id', '=', before.id).executeTakeFirst(),
      trx.selectFrom('campaigns').select('id').where('station_id', '=', before.id).executeTakeFirst(),
      trx.selectFrom('wishes').select('id').where('station_id', '=', before.id).executeTakeFirst(),
      trx.selectFrom('audit_log').select('id').where('station_id', '=', before.id).executeTakeFirst(),
    ])
    if (uses.some(Boolean)) throw new Refusal('stations.error.inUse', { status: 409 })
    await trx.deleteFrom('stations').where('id', '=', before.id).execute()
    await audit(trx, actor, 'station.deleted', before, before, null, now)
  })
}

async function audit(
  trx: DB,
  actor: Actor,
  action: AuditAction,
  station: StationRow,
  before: StationRow | null,
  after: StationRow | null,
  now: Date,
) {
  await recordAudit(
    trx,
    {
      actorUserId: actor.id,
      action,
      entityType: 'station',
      entityId: station.id,
      // Filed under the parent (whose subtree holds the station), so that the row never
      // stops an empty station from being deleted.
      stationId: station.parent_id === null ? null : Number(station.parent_id),
      before: before ?? undefined,
      after: after ?? undefined,
      ip: actor.ip,
    },
    now,
  )
}

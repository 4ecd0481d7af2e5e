import type { DB } from '~/utils/db.server'
import { recordAudit } from '../audit/audit.server'
import { scopeCondition } from './scope.server'

// A minimal staff view of the student registry, always filtered by the caller's
// station scope: a student outside it simply does not exist for them (404).
// The list shows no personal data; the detail does, and every such read is audited.
// (The beneficiaries registry proper will grow in app/modules/beneficiaries.)

export type StudentListItem = {
  id: number
  publicCode: string
  grade: string
  status: string
  stationName: string
  stationNameEn: string
}

export async function listStudentsInScope(
  db: DB,
  scope: string[],
  input: { q?: string; limit?: number } = {},
): Promise<StudentListItem[]> {
  let q = db
    .selectFrom('beneficiaries')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .select([
      'beneficiaries.id',
      'beneficiaries.public_code',
      'beneficiaries.grade',
      'beneficiaries.status',
      'stations.name',
      'stations.name_en',
    ])
    .where(scopeCondition('stations.path', scope))
  if (input.q) q = q.where('beneficiaries.public_code', 'like', `%${input.q.replace(/[%_\\]/g, '')}%`)
  const rows = await q
    .orderBy('beneficiaries.public_code')
    .limit(input.limit ?? 200)
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    publicCode: r.public_code,
    grade: r.grade,
    status: r.status,
    stationName: r.name,
    stationNameEn: r.name_en,
  }))
}

/**
 * The id of the student with this pseudonymous code (any case), or undefined. Not scoped:
 * it only resolves a typed code, and the command it feeds checks the caller's scope.
 */
export async function studentIdByCode(db: DB, publicCode: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('beneficiaries')
    .select('id')
    .where('public_code', '=', publicCode.trim().toUpperCase())
    .executeTakeFirst()
  return row ? Number(row.id) : undefined
}

export async function getStudentInScope(db: DB, scope: string[], id: number) {
  const row = await db
    .selectFrom('beneficiaries')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .selectAll('beneficiaries')
    .select(['stations.name as station_name', 'stations.name_en as station_name_en', 'stations.path as station_path'])
    .where('beneficiaries.id', '=', id)
    .where(scopeCondition('stations.path', scope))
    .executeTakeFirst()
  return row
    ? {
        ...row,
        id: Number(row.id),
        station_id: Number(row.station_id),
        categories: JSON.parse(row.categories) as string[],
      }
    : null
}

/** Read a student's personal data for a staff member: audited, or null when out of scope. */
export async function readStudentPersonalData(db: DB, actor: { id: number; scope: string[]; ip: string }, id: number) {
  const student = await getStudentInScope(db, actor.scope, id)
  if (!student) return null
  await recordAudit(db, {
    actorUserId: actor.id,
    action: 'student.personal_data_read',
    entityType: 'beneficiary',
    entityId: id,
    stationId: student.station_id,
    ip: actor.ip,
  })
  return student
}

/** Record a home/school verification: sets the next due date; audited with before/after. */
export async function recordVerification(
  db: DB,
  actor: { id: number; scope: string[]; ip: string },
  input: { id: number; nextVerificationOn: string },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const student = await getStudentInScope(trx, actor.scope, input.id)
    if (!student) return false
    await trx
      .updateTable('beneficiaries')
      .set({ next_verification_on: input.nextVerificationOn })
      .where('id', '=', input.id)
      .execute()
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'student.verification_recorded',
      entityType: 'beneficiary',
      entityId: input.id,
      stationId: student.station_id,
      before: { next_verification_on: student.next_verification_on },
      after: { next_verification_on: input.nextVerificationOn },
      ip: actor.ip,
    })
    return true
  })
}

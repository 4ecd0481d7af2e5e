import type { DB } from '~/utils/db.server'
import { chinaDate } from '~/utils/i18n'
import { recordAudit } from '../audit/audit.server'
import { pathInScope } from '../stations/scope.server'
import { pauseSponsorshipsOf } from '../sponsorships/lifecycle.server'
import { insertConsent } from './consent.server'
import { ageOn, CONSENT_AGE, type RegisterInput, type Status } from './schema'
import { Refusal } from '~/utils/refusal'

// 建档立卡: registering a student, and their status history. Personal data is written
// here and read through app/modules/stations/students.server.ts (audited).

export type Actor = { id: number; scope: string[]; ip: string }

/** The county part of a station code: the first six digits (530627101 → 530627). */
const countyCode = (stationCode: string) => stationCode.slice(0, 6)

/** Next pseudonymous code for the county: HP-530627-0061. */
async function nextPublicCode(trx: DB, county: string): Promise<string> {
  const rows = await trx
    .selectFrom('beneficiaries')
    .select('public_code')
    .where('public_code', 'like', `HP-${county}-%`)
    .execute()
  const max = rows.reduce((m, r) => Math.max(m, Number(r.public_code.slice(10)) || 0), 0)
  return `HP-${county}-${String(max + 1).padStart(4, '0')}`
}

/**
 * Duplicate by ID number, across all stations. Inside the caller's scope the message
 * names the existing code; outside it says only "already registered elsewhere", so a
 * caseworker learns nothing about another station's child.
 */
export async function findDuplicate(db: DB, scope: string[], nationalId: string): Promise<Refusal | null> {
  const row = await db
    .selectFrom('beneficiaries')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .select(['beneficiaries.public_code', 'stations.path'])
    .where('beneficiaries.national_id', '=', nationalId)
    .executeTakeFirst()
  if (!row) return null
  return pathInScope(scope, row.path)
    ? new Refusal('students.error.duplicateHere', { params: { code: row.public_code }, field: 'nationalId' })
    : new Refusal('students.error.duplicateElsewhere', { field: 'nationalId' })
}

/** Check everything that does not need a write; throws a Refusal. */
export async function checkRegistration(
  db: DB,
  actor: Actor,
  input: RegisterInput,
  today: string,
): Promise<{ stationCode: string }> {
  const station = await db
    .selectFrom('stations')
    .select(['code', 'path', 'active'])
    .where('id', '=', input.stationId)
    .executeTakeFirst()
  if (!station || !pathInScope(actor.scope, station.path))
    throw new Refusal('students.error.station', { field: 'stationId' })
  // A deactivated station keeps its history but takes no new student.
  if (Number(station.active) !== 1) throw new Refusal('students.error.stationInactive', { field: 'stationId' })
  if (input.birthDate > today) throw new Refusal('students.error.date', { field: 'birthDate' })
  const idBirth = `${input.nationalId.slice(6, 10)}-${input.nationalId.slice(10, 12)}-${input.nationalId.slice(12, 14)}`
  if (idBirth !== input.birthDate) throw new Refusal('students.error.idBirthMismatch', { field: 'nationalId' })
  if (ageOn(input.birthDate, today) < CONSENT_AGE && !input.consent)
    throw new Refusal('students.error.consentRequired', { field: 'consent' })
  const duplicate = await findDuplicate(db, actor.scope, input.nationalId)
  if (duplicate) throw duplicate
  return { stationCode: station.code }
}

/** Register one student (with their consent, if any) in the caller's transaction. */
export async function insertBeneficiary(
  trx: DB,
  actor: Actor,
  input: RegisterInput,
  now: Date,
): Promise<{ id: number; publicCode: string }> {
  const at = now.toISOString()
  const { stationCode } = await checkRegistration(trx, actor, input, chinaDate(now))
  const publicCode = await nextPublicCode(trx, countyCode(stationCode))
  const row = await trx
    .insertInto('beneficiaries')
    .values({
      public_code: publicCode,
      station_id: input.stationId,
      legal_name: input.legalName,
      gender: input.gender,
      birth_date: input.birthDate,
      national_id: input.nationalId,
      school: input.school,
      grade: input.grade,
      categories: JSON.stringify(input.categories),
      guardian_name: input.guardianName,
      guardian_phone: input.guardianPhone,
      status: 'new',
      next_verification_on: null,
      created_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const id = Number(row.id)
  if (input.consent) await insertConsent(trx, actor.id, id, input.consent, at)
  await trx
    .insertInto('beneficiary_status_history')
    .values({
      beneficiary_id: id,
      from_status: null,
      to_status: 'new',
      reason: 'registered',
      changed_by: actor.id,
      changed_at: at,
    })
    .execute()
  await recordAudit(
    trx,
    {
      actorUserId: actor.id,
      action: 'student.registered',
      entityType: 'beneficiary',
      entityId: id,
      stationId: input.stationId,
      after: { publicCode, consent: Boolean(input.consent) },
      ip: actor.ip,
    },
    now,
  )
  return { id, publicCode }
}

const isUniqueViolation = (e: unknown) => /unique|duplicate key/i.test(String((e as Error)?.message ?? ''))

export async function registerBeneficiary(db: DB, actor: Actor, input: RegisterInput, now = new Date()) {
  try {
    return await db.transaction().execute((trx) => insertBeneficiary(trx, actor, input, now))
  } catch (e) {
    // A concurrent registration of the same ID number: say no more than "elsewhere".
    if (isUniqueViolation(e))
      throw (
        (await findDuplicate(db, actor.scope, input.nationalId)) ??
        new Refusal('students.error.duplicateElsewhere', { field: 'nationalId' })
      )
    throw e
  }
}

const ALLOWED: Record<Status, Status[]> = {
  new: ['active', 'exited'],
  active: ['graduated', 'exited'],
  graduated: ['active'],
  exited: ['active'],
}

export function allowedTransitions(from: Status): Status[] {
  return ALLOWED[from]
}

/**
 * Change a student's status with a history row and an audit entry. Graduation or exit
 * pauses their active sponsorships and tells each sponsor (see sponsorships/lifecycle).
 */
export async function changeStatus(
  db: DB,
  actor: Actor,
  input: { beneficiaryId: number; to: Status; reason: string },
  now = new Date(),
): Promise<'changed' | 'notFound'> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('beneficiaries')
      .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
      .select(['beneficiaries.status', 'beneficiaries.station_id', 'stations.path'])
      .where('beneficiaries.id', '=', input.beneficiaryId)
      .executeTakeFirst()
    if (!row || !pathInScope(actor.scope, row.path)) return 'notFound'
    if (!ALLOWED[row.status].includes(input.to)) throw new Refusal('students.error.transition', { field: 'to' })
    if (input.to === 'exited' && !input.reason.trim())
      throw new Refusal('students.error.reasonRequired', { field: 'reason' })
    const at = now.toISOString()
    await trx.updateTable('beneficiaries').set({ status: input.to }).where('id', '=', input.beneficiaryId).execute()
    await trx
      .insertInto('beneficiary_status_history')
      .values({
        beneficiary_id: input.beneficiaryId,
        from_status: row.status,
        to_status: input.to,
        reason: input.reason.trim(),
        changed_by: actor.id,
        changed_at: at,
      })
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'student.status_changed',
        entityType: 'beneficiary',
        entityId: input.beneficiaryId,
        stationId: row.station_id,
        before: { status: row.status },
        after: { status: input.to, reason: input.reason.trim() },
        ip: actor.ip,
      },
      now,
    )
    if (input.to === 'graduated' || input.to === 'exited')
      await pauseSponsorshipsOf(
        trx,
        { id: actor.id, ip: actor.ip },
        { beneficiaryId: input.beneficiaryId, reason: input.to, stationId: row.station_id },
        now,
      )
    return 'changed'
  })
}

export async function statusHistory(db: DB, beneficiaryId: number) {
  return db
    .selectFrom('beneficiary_status_history')
    .select(['from_status', 'to_status', 'reason', 'changed_at'])
    .where('beneficiary_id', '=', beneficiaryId)
    .orderBy('id')
    .execute()
}

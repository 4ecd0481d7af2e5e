import { sql, type RawBuilder } from 'kysely'
import type { DB } from '~/utils/db.server'
import { recordAudit } from '../audit/audit.server'
import type { ConsentInput } from './schema'

// Guardian consent: who consented, when, and to what (a public story, a photo, the
// child's first name shown to their sponsor). The current consent is the latest row
// not withdrawn. Public surfaces ask THIS module whether a child may appear at all, on
// every request (no cache), so a withdrawal takes effect on the next page view.
//
// The rule for public surfaces: a student appears (as pseudonym, county, grade and
// programme only) when their current consent allows a public story. Otherwise public
// pages show no student page and no wish, and a trace shows the share without the code.

export type Actor = { id: number; ip: string }

export type Consent = {
  id: number
  guardianName: string
  relationship: string
  consentedOn: string
  publicStory: boolean
  photo: boolean
  firstNameToSponsor: boolean
  recordedAt: string
}

/** SQL condition: the beneficiary whose id is in `column` has a current public-story consent. */
export function publicStoryConsented(column: string): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from beneficiary_consents bc where bc.beneficiary_id = ${sql.ref(column)} and bc.withdrawn_at is null and bc.public_story = 1)`
}

export async function currentConsent(db: DB, beneficiaryId: number): Promise<Consent | null> {
  const row = await db
    .selectFrom('beneficiary_consents')
    .selectAll()
    .where('beneficiary_id', '=', beneficiaryId)
    .where('withdrawn_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst()
  if (!row) return null
  return {
    id: Number(row.id),
    guardianName: row.guardian_name,
    relationship: row.relationship,
    consentedOn: row.consented_on,
    publicStory: row.public_story === 1,
    photo: row.photo === 1,
    firstNameToSponsor: row.first_name_to_sponsor === 1,
    recordedAt: row.recorded_at,
  }
}

/** May this student appear on a public page? By id or by public code. */
export async function isPubliclyVisible(db: DB, student: { id: number } | { publicCode: string }): Promise<boolean> {
  let q = db.selectFrom('beneficiaries').select('beneficiaries.id').where(publicStoryConsented('beneficiaries.id'))
  q =
    'id' in student
      ? q.where('beneficiaries.id', '=', student.id)
      : q.where('beneficiaries.public_code', '=', student.publicCode)
  return Boolean(await q.executeTakeFirst())
}

/** Of these public codes, the ones that may be shown publicly (one query). */
export async function publiclyVisibleCodes(db: DB, codes: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(codes)]
  if (!unique.length) return new Set()
  const rows = await db
    .selectFrom('beneficiaries')
    .select('public_code')
    .where('public_code', 'in', unique)
    .where(publicStoryConsented('beneficiaries.id'))
    .execute()
  return new Set(rows.map((r) => r.public_code))
}

/** Write a consent inside the caller's transaction; it supersedes the previous one. */
export async function insertConsent(
  trx: DB,
  actorId: number | null,
  beneficiaryId: number,
  input: ConsentInput,
  at: string,
): Promise<number> {
  await trx
    .updateTable('beneficiary_consents')
    .set({ withdrawn_at: at, withdrawn_by: actorId })
    .where('beneficiary_id', '=', beneficiaryId)
    .where('withdrawn_at', 'is', null)
    .execute()
  const row = await trx
    .insertInto('beneficiary_consents')
    .values({
      beneficiary_id: beneficiaryId,
      guardian_name: input.guardianName,
      relationship: input.relationship,
      consented_on: input.consentedOn,
      public_story: input.publicStory ? 1 : 0,
      photo: input.photo ? 1 : 0,
      first_name_to_sponsor: input.firstNameToSponsor ? 1 : 0,
      recorded_by: actorId,
      recorded_at: at,
      withdrawn_at: null,
      withdrawn_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(row.id)
}

/** Record a new consent (audited with before/after). */
export async function recordConsent(
  db: DB,
  actor: Actor,
  input: { beneficiaryId: number; stationId: number; consent: ConsentInput },
  now = new Date(),
) {
  return db.transaction().execute(async (trx) => {
    const before = await currentConsent(trx, input.beneficiaryId)
    const id = await insertConsent(trx, actor.id, input.beneficiaryId, input.consent, now.toISOString())
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'student.consent_recorded',
      entityType: 'beneficiary',
      entityId: input.beneficiaryId,
      stationId: input.stationId,
      before: before && {
        publicStory: before.publicStory,
        photo: before.photo,
        firstNameToSponsor: before.firstNameToSponsor,
      },
      after: {
        consentId: id,
        publicStory: input.consent.publicStory,
        photo: input.consent.photo,
        firstNameToSponsor: input.consent.firstNameToSponsor,
      },
      ip: actor.ip,
    })
    return id
  })
}

/** Withdraw every current consent of a student: from now on no public surface shows them. */
export async function withdrawConsent(
  db: DB,
  actor: Actor,
  input: { beneficiaryId: number; stationId: number },
  now = new Date(),
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const before = await currentConsent(trx, input.beneficiaryId)
    if (!before) return false
    await trx
      .updateTable('beneficiary_consents')
      .set({ withdrawn_at: now.toISOString(), withdrawn_by: actor.id })
      .where('beneficiary_id', '=', input.beneficiaryId)
      .where('withdrawn_at', 'is', null)
      .execute()
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'student.consent_withdrawn',
      entityType: 'beneficiary',
      entityId: input.beneficiaryId,
      stationId: input.stationId,
      before: {
        consentId: before.id,
        publicStory: before.publicStory,
        photo: before.photo,
        firstNameToSponsor: before.firstNameToSponsor,
      },
      after: null,
      ip: actor.ip,
    })
    return true
  })
}

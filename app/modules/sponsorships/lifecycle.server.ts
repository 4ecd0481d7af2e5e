import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { recordAudit } from '../audit/audit.server'
import { fundOfSponsorship } from '../ledger/accounts'
import { queueEmail } from '../mail/outbox.server'
import { listSponsorable } from './start.server'
import { pathInScope, scopeCondition } from '../stations/scope.server'
import { Refusal } from '~/utils/refusal'

// 希望之星 1+1: one donor sponsors one student for a school year, once or monthly.
// The sponsorship has its own restricted fund (fund:sponsorship:<id>), and award
// batches of a sponsorship programme draw each student's term from it.
//
// The published rule when a sponsored student graduates or exits:
//  1. every active sponsorship of that student is PAUSED at once, and the sponsor is
//     emailed (template sponsorship-update, kind "paused"); nothing is awarded from a
//     paused sponsorship, and its money stays in its own fund;
//  2. staff then MOVE it to another active student of the same station subtree who is
//     eligible for the programme and not already sponsored; the fund (and the money
//     left in it) moves with the sponsorship, and the sponsor is emailed the new
//     pseudonym (kind "moved"). Or staff END it at the sponsor's request.
// No contact details pass either way: the sponsor sees a pseudonym (and a first name
// only with guardian consent); letters go through staff moderation (letters.server.ts).

export type StaffActor = { id: number; ip: string }

export const sponsorUrl = (token: string) => `${getEnv().BASE_URL}/sponsor/${encodeURIComponent(token)}`

/**
 * Pending sponsorships whose fund has received a paid gift become active (idempotent,
 * cheap), and each sponsor is mailed the link to their own /sponsor/<token> page.
 */
export async function activatePaidSponsorships(db: DB, now = new Date()): Promise<number> {
  const pending = await db.selectFrom('sponsorships').select(['id']).where('status', '=', 'pending').execute()
  if (!pending.length) return 0
  const funded = await db
    .selectFrom('ledger_donations')
    .select('fund')
    .distinct()
    .where(
      'fund',
      'in',
      pending.map((p) => fundOfSponsorship(Number(p.id))),
    )
    .execute()
  const ids = funded.map((f) => Number(f.fund.split(':')[2]))
  if (!ids.length) return 0
  const at = now.toISOString()
  return db.transaction().execute(async (trx) => {
    const started = await trx
      .updateTable('sponsorships')
      .set({ status: 'active', activated_at: at })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .returning(['id', 'donor_name', 'donor_email', 'locale', 'access_token', 'beneficiary_id'])
      .execute()
    for (const s of started) {
      const student = await trx
        .selectFrom('beneficiaries')
        .select('public_code')
        .where('id', '=', s.beneficiary_id)
        .executeTakeFirstOrThrow()
      await tellSponsor(
        trx,
        { ...s, id: Number(s.id) },
        { kind: 'started', pseudonym: student.public_code, reason: 'other', newPseudonym: null },
        at,
      )
    }
    return ids.length
  })
}

async function tellSponsor(
  trx: DB,
  s: { id: number; donor_name: string; donor_email: string; locale: string; access_token: string },
  props: {
    kind: 'started' | 'paused' | 'moved'
    pseudonym: string
    reason: 'graduated' | 'exited' | 'other'
    newPseudonym: string | null
  },
  at: string,
) {
  await queueEmail(trx, {
    to: s.donor_email,
    template: 'sponsorship-update',
    locale: s.locale === 'en' ? 'en' : 'zh-CN',
    props: { donorName: s.donor_name, url: sponsorUrl(s.access_token), ...props },
    dedupeKey: `sponsorship:${s.id}:${props.kind}:${at}`,
    now: at,
  })
}

/** Rule step 1 (inside the status change's transaction): pause and tell each sponsor. */
export async function pauseSponsorshipsOf(
  trx: DB,
  actor: StaffActor,
  input: { beneficiaryId: number; reason: 'graduated' | 'exited'; stationId: number },
  now = new Date(),
) {
  const at = now.toISOString()
  const rows = await trx
    .selectFrom('sponsorships')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'sponsorships.beneficiary_id')
    .select([
      'sponsorships.id',
      'sponsorships.donor_name',
      'sponsorships.donor_email',
      'sponsorships.locale',
      'sponsorships.access_token',
      'beneficiaries.public_code',
    ])
    .where('sponsorships.beneficiary_id', '=', input.beneficiaryId)
    .where('sponsorships.status', 'in', ['active', 'pending'])
    .execute()
  for (const s of rows) {
    await trx
      .updateTable('sponsorships')
      .set({ status: 'paused', paused_at: at, pause_reason: input.reason })
      .where('id', '=', s.id)
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'sponsorship.paused',
        entityType: 'sponsorship',
        entityId: s.id,
        stationId: input.stationId,
        after: { reason: input.reason },
        ip: actor.ip,
      },
      now,
    )
    await tellSponsor(
      trx,
      { ...s, id: Number(s.id) },
      { kind: 'paused', pseudonym: s.public_code, reason: input.reason, newPseudonym: null },
      at,
    )
  }
  return rows.length
}

/** Rule step 2: move a paused sponsorship to another eligible, unsponsored student in scope. */
export async function moveSponsorship(
  db: DB,
  actor: StaffActor & { scope: string[] },
  input: { sponsorshipId: number; toBeneficiaryId: number },
  now = new Date(),
) {
  const at = now.toISOString()
  return db.transaction().execute(async (trx) => {
    const s = await trx
      .selectFrom('sponsorships')
      .innerJoin('beneficiaries', 'beneficiaries.id', 'sponsorships.beneficiary_id')
      .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
      .select([
        'sponsorships.id',
        'sponsorships.status',
        'sponsorships.programme_id',
        'sponsorships.donor_name',
        'sponsorships.donor_email',
        'sponsorships.locale',
        'sponsorships.access_token',
        'sponsorships.pause_reason',
        'beneficiaries.public_code',
        'beneficiaries.station_id',
        'stations.path',
      ])
      .where('sponsorships.id', '=', input.sponsorshipId)
      .executeTakeFirst()
    if (!s || !pathInScope(actor.scope, s.path)) return 'notFound' as const
    if (s.status !== 'paused') throw new Refusal('sponsorships.error.notPaused')
    const target = await trx
      .selectFrom('beneficiaries')
      .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
      .select(['beneficiaries.public_code', 'stations.path'])
      .where('beneficiaries.id', '=', input.toBeneficiaryId)
      .executeTakeFirst()
    const candidates = await listSponsorable(trx, { programmeId: s.programme_id, limit: 10_000 })
    if (!target || !pathInScope(actor.scope, target.path) || !candidates.some((c) => c.id === input.toBeneficiaryId))
      throw new Refusal('sponsorships.error.target')
    await trx
      .updateTable('sponsorships')
      .set({ beneficiary_id: input.toBeneficiaryId, status: 'active', paused_at: null, pause_reason: null })
      .where('id', '=', s.id)
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'sponsorship.moved',
        entityType: 'sponsorship',
        entityId: s.id,
        stationId: s.station_id,
        before: { beneficiary: s.public_code },
        after: { beneficiary: target.public_code },
        ip: actor.ip,
      },
      now,
    )
    const reason = s.pause_reason === 'graduated' || s.pause_reason === 'exited' ? s.pause_reason : 'other'
    await tellSponsor(
      trx,
      { ...s, id: Number(s.id) },
      { kind: 'moved', pseudonym: s.public_code, reason, newPseudonym: target.public_code },
      at,
    )
    return 'moved' as const
  })
}

export type SponsorshipRow = {
  id: number
  status: string
  schoolYear: string
  frequency: string
  publicCode: string
  programme: string
  programmeEn: string
  createdAt: string
  pauseReason: string | null
}

/** Staff list (no donor contact details shown in lists). */
export async function listSponsorships(db: DB, scope: string[]): Promise<SponsorshipRow[]> {
  await activatePaidSponsorships(db)
  const rows = await db
    .selectFrom('sponsorships')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'sponsorships.beneficiary_id')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .innerJoin('programmes', 'programmes.id', 'sponsorships.programme_id')
    .select([
      'sponsorships.id',
      'sponsorships.status',
      'sponsorships.school_year',
      'sponsorships.frequency',
      'sponsorships.created_at',
      'sponsorships.pause_reason',
      'beneficiaries.public_code',
      'programmes.name',
      'programmes.name_en',
    ])
    .where(scopeCondition('stations.path', scope))
    .orderBy('sponsorships.id', 'desc')
    .limit(200)
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    status: r.status,
    schoolYear: r.school_year,
    frequency: r.frequency,
    publicCode: r.public_code,
    programme: r.name,
    programmeEn: r.name_en,
    createdAt: r.created_at,
    pauseReason: r.pause_reason,
  }))
}

/** The sponsor's own view by token: pseudonym, county, grade, first name only with consent, approved letters. */
export async function sponsorView(db: DB, token: string) {
  await activatePaidSponsorships(db)
  const s = await db
    .selectFrom('sponsorships')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'sponsorships.beneficiary_id')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .innerJoin('programmes', 'programmes.id', 'sponsorships.programme_id')
    .select([
      'sponsorships.id',
      'sponsorships.status',
      'sponsorships.school_year',
      'sponsorships.frequency',
      'beneficiaries.id as beneficiary_id',
      'beneficiaries.public_code',
      'beneficiaries.grade',
      'beneficiaries.legal_name',
      'stations.code as station_code',
      'programmes.name',
      'programmes.name_en',
    ])
    .where('sponsorships.access_token', '=', token)
    .executeTakeFirst()
  if (!s) return null
  const consent = await db
    .selectFrom('beneficiary_consents')
    .select('first_name_to_sponsor')
    .where('beneficiary_id', '=', s.beneficiary_id)
    .where('withdrawn_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst()
  const letters = await db
    .selectFrom('sponsorship_letters')
    .select(['id', 'direction', 'body', 'status', 'submitted_at'])
    .where('sponsorship_id', '=', s.id)
    .where((eb) => eb.or([eb('status', '=', 'approved'), eb('direction', '=', 'to_student')]))
    .orderBy('id')
    .execute()
  return {
    id: Number(s.id),
    status: s.status,
    schoolYear: s.school_year,
    frequency: s.frequency,
    publicCode: s.public_code,
    grade: s.grade,
    countyCode: s.station_code.slice(0, 6),
    programme: s.name,
    programmeEn: s.name_en,
    // Given name without the family name, and only with the guardian's consent.
    firstName: consent?.first_name_to_sponsor === 1 ? [...s.legal_name].slice(1).join('') : null,
    letters: letters.map((l) => ({
      id: Number(l.id),
      direction: l.direction,
      body: l.status === 'approved' ? l.body : null,
      status: l.status,
      submittedAt: l.submitted_at,
    })),
  }
}

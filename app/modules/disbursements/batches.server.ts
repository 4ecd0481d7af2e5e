import type { DB } from '~/utils/db.server'
import { dialectOf } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { chinaDate } from '~/utils/i18n'
import { recordAudit } from '../audit/audit.server'
import {
  fundOfCampaign,
  fundOfSponsorship,
  getBalance,
  InsufficientFundsError,
  postAwards,
  postPayout,
} from '../ledger'
import { queueEmail } from '../mail/outbox.server'
import { getProgramme } from '../programmes/programmes.server'
import { pathInScope, scopeCondition } from '../stations/scope.server'
import { activatePaidSponsorships } from '../sponsorships/lifecycle.server'
import { notifyDonorsOfBatch } from './notify.server'
import { saveProof } from './uploads.server'
import { Refusal } from '~/utils/refusal'
import { assertChecker, type Actor, type Approver } from '../auth/maker-checker'

// Award batches under maker-checker:
//   prepare (caseworker: disbursements.prepare) → approve (finance with TOTP, never the
//   preparer; two different approvers when the total exceeds SECOND_APPROVAL_ABOVE) →
//   the last approval posts every line's award to the ledger in ONE transaction (all or
//   none) → record the payout (reference, date, proof file) which posts the payouts and
//   queues "your gift reached a student" to the donors whose lots were drawn.
//   A prepared batch may instead be rejected with a reason. Every step is audited.

export type { Actor, Approver } from '../auth/maker-checker'

export type PrepareInput = {
  programmeId: number
  term: string
  stationId: number
  campaignId: number | null
  lines: { beneficiaryId: number; amount: number }[]
}

const OPEN = ['prepared', 'approved', 'paid'] as const

/**
 * Of these students, those who already hold (or are in an open batch for) an award in the
 * term, across programmes: the one-award-per-term cap. The demo seed asks the same question.
 */
export async function cappedInTerm(db: DB, term: string, beneficiaryIds: number[]): Promise<Set<number>> {
  if (!beneficiaryIds.length) return new Set()
  const taken = await db
    .selectFrom('award_lines')
    .innerJoin('award_batches', 'award_batches.id', 'award_lines.batch_id')
    .select('award_lines.beneficiary_id')
    .where('award_batches.term', '=', term)
    .where('award_batches.status', 'in', [...OPEN])
    .where('award_lines.beneficiary_id', 'in', beneficiaryIds)
    .execute()
  const caps = await db
    .selectFrom('award_term_caps')
    .select('beneficiary_id')
    .where('term', '=', term)
    .where('beneficiary_id', 'in', beneficiaryIds)
    .execute()
  return new Set([...taken, ...caps].map((t) => Number(t.beneficiary_id)))
}

/** Everything checked at preparation; returns the lines with their funds. */
async function checkPreparation(db: DB, actor: Actor, input: PrepareInput) {
  const programme = await getProgramme(db, input.programmeId)
  if (!programme) throw new Refusal('batches.error.programme')
  if (!programme.terms.includes(input.term)) throw new Refusal('batches.error.term', { params: { term: input.term } })
  const station = await db
    .selectFrom('stations')
    .select(['id', 'path', 'active'])
    .where('id', '=', input.stationId)
    .executeTakeFirst()
  if (!station || !pathInScope(actor.scope, station.path))
    throw new Refusal('batches.error.station', { field: 'stationId' })
  // A deactivated station keeps its history but takes no new batch.
  if (Number(station.active) !== 1) throw new Refusal('batches.error.stationInactive', { field: 'stationId' })
  if (!input.lines.length) throw new Refusal('batches.error.noLines')
  if (new Set(input.lines.map((l) => l.beneficiaryId)).size !== input.lines.length)
    throw new Refusal('batches.error.repeated')

  const students = await db
    .selectFrom('beneficiaries')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .select([
      'beneficiaries.id',
      'beneficiaries.public_code',
      'beneficiaries.status',
      'beneficiaries.categories',
      'stations.path',
    ])
    .where(
      'beneficiaries.id',
      'in',
      input.lines.map((l) => l.beneficiaryId),
    )
    .execute()
  const byId = new Map(students.map((s) => [Number(s.id), s]))
  const capped = await cappedInTerm(
    db,
    input.term,
    input.lines.map((l) => l.beneficiaryId),
  )

  let campaignFund: string | null = null
  if (programme.kind !== 'sponsorship') {
    const campaign = programme.campaigns.find((c) => c.id === input.campaignId)
    if (!campaign) throw new Refusal('batches.error.campaign')
    campaignFund = fundOfCampaign(campaign.id)
  } else await activatePaidSponsorships(db)

  const lines: { beneficiaryId: number; code: string; amount: number; fund: string }[] = []
  for (const l of input.lines) {
    const s = byId.get(l.beneficiaryId)
    // Outside the batch's station subtree is the same as not existing.
    if (!s || !s.path.startsWith(station.path))
      throw new Refusal('batches.error.student', { params: { id: l.beneficiaryId } })
    if (s.status !== 'active') throw new Refusal('batches.error.inactive', { params: { code: s.public_code } })
    const cats: string[] = JSON.parse(s.categories)
    if (!cats.some((c) => programme.eligibleCategories.includes(c)))
      throw new Refusal('batches.error.ineligible', { params: { code: s.public_code } })
    if (!Number.isSafeInteger(l.amount) || l.amount <= 0 || l.amount > programme.awardAmount)
      throw new Refusal('batches.error.amount', { params: { code: s.public_code, max: programme.awardAmount } })
    if (capped.has(l.beneficiaryId))
      throw new Refusal('batches.error.cap', { params: { code: s.public_code, term: input.term } })
    let fund = campaignFund
    if (!fund) {
      const sp = await db
        .selectFrom('sponsorships')
        .select('id')
        .where('beneficiary_id', '=', l.beneficiaryId)
        .where('programme_id', '=', programme.id)
        .where('status', '=', 'active')
        .executeTakeFirst()
      if (!sp) throw new Refusal('batches.error.noSponsorship', { params: { code: s.public_code } })
      fund = fundOfSponsorship(Number(sp.id))
    }
    lines.push({ beneficiaryId: l.beneficiaryId, code: s.public_code, amount: l.amount, fund })
  }
  // Available funds, per fund, now (approval checks again inside its transaction).
  const need = new Map<string, number>()
  for (const l of lines) need.set(l.fund, (need.get(l.fund) ?? 0) + l.amount)
  for (const [fund, amount] of need) {
    const available = await getBalance(db, fund, programme.currency)
    if (available < amount)
      throw new Refusal('batches.error.insufficient', {
        params: { available, requested: amount, currency: programme.currency },
      })
  }
  return { programme, station, lines, campaignFund }
}

export async function prepareBatch(
  db: DB,
  actor: Actor,
  input: PrepareInput,
  now = new Date(),
  options: { secondApprovalAbove?: number } = {},
): Promise<number> {
  const threshold = options.secondApprovalAbove ?? getEnv().SECOND_APPROVAL_ABOVE
  const { programme, lines, campaignFund } = await checkPreparation(db, actor, input)
  const total = lines.reduce((s, l) => s + l.amount, 0)
  const at = now.toISOString()
  return db.transaction().execute(async (trx) => {
    const batch = await trx
      .insertInto('award_batches')
      .values({
        programme_id: programme.id,
        term: input.term,
        station_id: input.stationId,
        fund: campaignFund ?? 'sponsorships',
        currency: programme.currency,
        total_amount: total,
        status: 'prepared',
        approvals_required: total > threshold ? 2 : 1,
        prepared_by: actor.id,
        prepared_at: at,
        approved_at: null,
        rejected_by: null,
        rejected_at: null,
        reject_reason: null,
        payout_reference: null,
        payout_date: null,
        paid_by: null,
        paid_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const id = Number(batch.id)
    await trx
      .insertInto('award_lines')
      .values(lines.map((l) => ({ batch_id: id, beneficiary_id: l.beneficiaryId, fund: l.fund, amount: l.amount })))
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'batch.prepared',
        entityType: 'award_batch',
        entityId: id,
        stationId: input.stationId,
        after: {
          programme: programme.slug,
          term: input.term,
          total,
          lines: lines.map((l) => ({ code: l.code, amount: l.amount, fund: l.fund })),
        },
        ip: actor.ip,
      },
      now,
    )
    await queueApprovalRequests(
      trx,
      {
        batchId: id,
        stationId: input.stationId,
        preparerId: actor.id,
        title: `${programme.name} · ${input.term}`,
        total,
        currency: programme.currency,
        lineCount: lines.length,
      },
      at,
    )
    return id
  })
}

/** Ask every finance/admin user whose grant covers the station (not the preparer). */
async function queueApprovalRequests(
  trx: DB,
  b: {
    batchId: number
    stationId: number
    preparerId: number
    title: string
    total: number
    currency: string
    lineCount: number
  },
  at: string,
) {
  const station = await trx
    .selectFrom('stations')
    .select(['path', 'name'])
    .where('id', '=', b.stationId)
    .executeTakeFirstOrThrow()
  const preparer = await trx
    .selectFrom('users')
    .select('display_name')
    .where('id', '=', b.preparerId)
    .executeTakeFirstOrThrow()
  const approvers = await trx
    .selectFrom('role_grants')
    .innerJoin('users', 'users.id', 'role_grants.user_id')
    .innerJoin('stations', 'stations.id', 'role_grants.station_id')
    .select(['users.id', 'users.email', 'users.locale', 'stations.path'])
    .where('role_grants.role', 'in', ['finance', 'admin'])
    .where('users.active', '=', 1)
    .where('users.id', '!=', b.preparerId)
    .execute()
  const seen = new Set<number>()
  for (const a of approvers) {
    if (seen.has(Number(a.id)) || !station.path.startsWith(a.path)) continue
    seen.add(Number(a.id))
    await queueEmail(trx, {
      to: a.email,
      template: 'approval-request',
      locale: a.locale === 'en' ? 'en' : 'zh-CN',
      dedupeKey: `batch:${b.batchId}:approval-request:${a.id}`,
      now: at,
      props: {
        preparerName: preparer.display_name,
        title: b.title,
        stationName: station.name,
        amount: b.total,
        currency: b.currency,
        lineCount: b.lineCount,
        url: `${getEnv().BASE_URL}/admin/batches/${b.batchId}`,
      },
    })
  }
}

async function lockBatch(trx: DB, id: number) {
  let q = trx
    .selectFrom('award_batches')
    .innerJoin('stations', 'stations.id', 'award_batches.station_id')
    .innerJoin('programmes', 'programmes.id', 'award_batches.programme_id')
    .selectAll('award_batches')
    .select(['stations.path as station_path', 'programmes.slug as programme_slug'])
    .where('award_batches.id', '=', id)
  // The batch row only: FOR UPDATE over the join would also lock the station and the
  // programme, and a posting that holds the ledger head and then refers to that station
  // (an audit row's foreign key) would deadlock with an approval waiting for the head.
  if (dialectOf(trx) === 'postgres') q = q.forUpdate('award_batches')
  return q.executeTakeFirst()
}

export type ApproveOutcome = 'notFound' | 'approved' | 'awaitingSecond'

/** One approval. The last one required posts all awards in the same transaction, or nothing. */
export async function approveBatch(
  db: DB,
  actor: Approver,
  input: { batchId: number },
  now = new Date(),
): Promise<ApproveOutcome> {
  const at = now.toISOString()
  return db.transaction().execute(async (trx) => {
    const b = await lockBatch(trx, input.batchId)
    if (!b || !pathInScope(actor.scope, b.station_path)) return 'notFound'
    if (b.status !== 'prepared') throw new Refusal('batches.error.notPrepared')
    assertChecker(actor, b.prepared_by, { totp: 'batches.error.totp', own: 'batches.error.ownBatch' })
    const earlier = await trx.selectFrom('batch_approvals').select('user_id').where('batch_id', '=', b.id).execute()
    if (earlier.some((e) => e.user_id === actor.id)) throw new Refusal('batches.error.alreadyApproved')
    await trx.insertInto('batch_approvals').values({ batch_id: b.id, user_id: actor.id, approved_at: at }).execute()
    if (earlier.length + 1 < b.approvals_required) {
      await recordAudit(
        trx,
        {
          actorUserId: actor.id,
          action: 'batch.first_approval',
          entityType: 'award_batch',
          entityId: b.id,
          stationId: b.station_id,
          after: { approvals: earlier.length + 1, required: b.approvals_required },
          ip: actor.ip,
        },
        now,
      )
      return 'awaitingSecond'
    }
    const lines = await trx
      .selectFrom('award_lines')
      .innerJoin('beneficiaries', 'beneficiaries.id', 'award_lines.beneficiary_id')
      .select([
        'award_lines.id',
        'award_lines.beneficiary_id',
        'award_lines.fund',
        'award_lines.amount',
        'beneficiaries.public_code',
        'beneficiaries.status',
      ])
      .where('award_lines.batch_id', '=', b.id)
      .orderBy('award_lines.id')
      .execute()
    for (const l of lines) {
      if (l.status !== 'active') throw new Refusal('batches.error.inactive', { params: { code: l.public_code } })
      const capped = await trx
        .insertInto('award_term_caps')
        .values({ beneficiary_id: l.beneficiary_id, term: b.term, line_id: l.id })
        .onConflict((oc) => oc.doNothing())
        .returning('line_id')
        .executeTakeFirst()
      if (!capped) throw new Refusal('batches.error.cap', { params: { code: l.public_code, term: b.term } })
    }
    try {
      // The whole batch at once: one FIFO walk per fund, refused whole if a fund cannot cover its lines.
      await postAwards(
        trx,
        lines.map((l) => ({
          idempotencyKey: `award-line:${l.id}`,
          fund: l.fund,
          beneficiaryId: l.beneficiary_id,
          beneficiaryCode: l.public_code,
          amount: l.amount,
          currency: b.currency,
          occurredAt: at,
          refs: { programme: b.programme_slug, term: b.term, batch: String(b.id) },
        })),
      )
    } catch (e) {
      if (e instanceof InsufficientFundsError)
        throw new Refusal('batches.error.insufficient', {
          params: {
            available: e.available,
            requested: e.requested,
            currency: e.currency,
          },
        })
      throw e
    }
    await trx.updateTable('award_batches').set({ status: 'approved', approved_at: at }).where('id', '=', b.id).execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'batch.approved',
        entityType: 'award_batch',
        entityId: b.id,
        stationId: b.station_id,
        before: { status: 'prepared' },
        after: { status: 'approved', approvals: earlier.length + 1 },
        ip: actor.ip,
      },
      now,
    )
    return 'approved'
  })
}

export async function rejectBatch(
  db: DB,
  actor: Actor,
  input: { batchId: number; reason: string },
  now = new Date(),
): Promise<'notFound' | 'rejected'> {
  const reason = input.reason.trim()
  if (!reason) throw new Refusal('batches.error.reason')
  return db.transaction().execute(async (trx) => {
    const b = await lockBatch(trx, input.batchId)
    if (!b || !pathInScope(actor.scope, b.station_path)) return 'notFound'
    if (b.status !== 'prepared') throw new Refusal('batches.error.notPrepared')
    await trx
      .updateTable('award_batches')
      .set({
        status: 'rejected',
        rejected_by: actor.id,
        rejected_at: now.toISOString(),
        reject_reason: reason.slice(0, 500),
      })
      .where('id', '=', b.id)
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'batch.rejected',
        entityType: 'award_batch',
        entityId: b.id,
        stationId: b.station_id,
        before: { status: 'prepared' },
        after: { status: 'rejected', reason },
        ip: actor.ip,
      },
      now,
    )
    return 'rejected'
  })
}

/** Record the payout: the bank reference, the date, a proof file; posts every line's payout. */
export async function recordPayout(
  db: DB,
  actor: Approver,
  input: { batchId: number; reference: string; date: string; proof: Uint8Array },
  now = new Date(),
): Promise<'notFound' | 'paid'> {
  const reference = input.reference.trim()
  if (!reference || reference.length > 100) throw new Refusal('batches.error.reference')
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date) || input.date > chinaDate(now))
    throw new Refusal('batches.error.payoutDate', { field: 'date' })
  const at = now.toISOString()
  return db.transaction().execute(async (trx) => {
    const b = await lockBatch(trx, input.batchId)
    if (!b || !pathInScope(actor.scope, b.station_path)) return 'notFound'
    if (!actor.totpVerified) throw new Refusal('batches.error.totp', { status: 403 })
    if (b.status !== 'approved') throw new Refusal('batches.error.notApproved')
    // A payout never precedes the award it pays: the award is posted at the last approval.
    const awarded = b.approved_at ?? at
    if (input.date < chinaDate(new Date(awarded)))
      throw new Refusal('batches.error.payoutBeforeAward', {
        field: 'date',
        params: { date: chinaDate(new Date(awarded)) },
      })
    // One transfer pays one batch (a unique index holds this under concurrent payouts too).
    const other = await trx
      .selectFrom('award_batches')
      .select('id')
      .where('payout_reference', '=', reference)
      .executeTakeFirst()
    if (other)
      throw new Refusal('batches.error.referenceUsed', {
        field: 'reference',
        status: 409,
        params: { reference, batch: other.id },
      })
    const proof = await saveProof(
      trx,
      { entityType: 'award_batch', entityId: b.id, bytes: input.proof, uploadedBy: actor.id },
      now,
    )
    const lines = await trx
      .selectFrom('award_lines')
      .select(['id', 'beneficiary_id', 'amount'])
      .where('batch_id', '=', b.id)
      .orderBy('id')
      .execute()
    // Noon of the payout day, but never in the future nor before the award itself.
    const noon = `${input.date}T12:00:00.000Z`
    const occurredAt = [noon < at ? noon : at, awarded].sort().at(-1)!
    for (const l of lines) {
      await postPayout(trx, {
        idempotencyKey: `payout-line:${l.id}`,
        beneficiaryId: l.beneficiary_id,
        amount: l.amount,
        currency: b.currency,
        occurredAt,
        refs: { programme: b.programme_slug, term: b.term, batch: String(b.id) },
      })
    }
    await trx
      .updateTable('award_batches')
      .set({ status: 'paid', payout_reference: reference, payout_date: input.date, paid_by: actor.id, paid_at: at })
      .where('id', '=', b.id)
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'batch.paid',
        entityType: 'award_batch',
        entityId: b.id,
        stationId: b.station_id,
        before: { status: 'approved' },
        after: { status: 'paid', reference, date: input.date, proofId: proof.id },
        ip: actor.ip,
      },
      now,
    )
    await notifyDonorsOfBatch(trx, { batchId: b.id, lineIds: lines.map((l) => Number(l.id)), at })
    return 'paid'
  })
}

export type BatchListItem = {
  id: number
  programme: string
  programmeEn: string
  term: string
  status: string
  total: number
  currency: string
  lines: number
  preparedAt: string
  stationName: string
  stationNameEn: string
}

export async function listBatches(db: DB, scope: string[]): Promise<BatchListItem[]> {
  const rows = await db
    .selectFrom('award_batches as b')
    .innerJoin('stations', 'stations.id', 'b.station_id')
    .innerJoin('programmes', 'programmes.id', 'b.programme_id')
    .select((eb) => [
      'b.id',
      'b.term',
      'b.status',
      'b.total_amount',
      'b.currency',
      'b.prepared_at',
      'programmes.name',
      'programmes.name_en',
      'stations.name as station_name',
      'stations.name_en as station_name_en',
      eb
        .selectFrom('award_lines')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('award_lines.batch_id', '=', 'b.id')
        .as('lines'),
    ])
    .where(scopeCondition('stations.path', scope))
    .orderBy('b.id', 'desc')
    .limit(200)
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    programme: r.name,
    programmeEn: r.name_en,
    term: r.term,
    status: r.status,
    total: r.total_amount,
    currency: r.currency,
    lines: Number(r.lines),
    preparedAt: r.prepared_at,
    stationName: r.station_name,
    stationNameEn: r.station_name_en,
  }))
}

/** A batch with its lines (pseudonym, grade, amount, fund) and its approvals; null when out of scope. */
export async function getBatch(db: DB, scope: string[], id: number) {
  const b = await db
    .selectFrom('award_batches as b')
    .innerJoin('stations', 'stations.id', 'b.station_id')
    .innerJoin('programmes', 'programmes.id', 'b.programme_id')
    .innerJoin('users', 'users.id', 'b.prepared_by')
    .selectAll('b')
    .select([
      'stations.path as station_path',
      'stations.name as station_name',
      'stations.name_en as station_name_en',
      'programmes.name as programme_name',
      'programmes.name_en as programme_name_en',
      'users.display_name as preparer_name',
    ])
    .where('b.id', '=', id)
    .executeTakeFirst()
  if (!b || !pathInScope(scope, b.station_path)) return null
  const lines = await db
    .selectFrom('award_lines')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'award_lines.beneficiary_id')
    .select([
      'award_lines.id',
      'award_lines.amount',
      'award_lines.fund',
      'beneficiaries.public_code',
      'beneficiaries.grade',
    ])
    .where('award_lines.batch_id', '=', id)
    .orderBy('award_lines.id')
    .execute()
  const approvals = await db
    .selectFrom('batch_approvals')
    .innerJoin('users', 'users.id', 'batch_approvals.user_id')
    .select(['batch_approvals.user_id', 'users.display_name', 'batch_approvals.approved_at'])
    .where('batch_id', '=', id)
    .orderBy('batch_approvals.id')
    .execute()
  const proofs = await db
    .selectFrom('proof_files')
    .select(['id', 'mime', 'size', 'uploaded_at'])
    .where('entity_type', '=', 'award_batch')
    .where('entity_id', '=', id)
    .execute()
  return {
    ...b,
    id: Number(b.id),
    // China day of the award (the last approval): the earliest payout date.
    awardDate: b.approved_at ? chinaDate(new Date(b.approved_at)) : null,
    lines: lines.map((l) => ({
      id: Number(l.id),
      amount: l.amount,
      fund: l.fund,
      publicCode: l.public_code,
      grade: l.grade,
    })),
    approvals: approvals.map((a) => ({ userId: Number(a.user_id), name: a.display_name, at: a.approved_at })),
    proofs: proofs.map((p) => ({ id: Number(p.id), mime: p.mime, size: p.size, uploadedAt: p.uploaded_at })),
  }
}

/**
 * Read the preparer's list of students: one per line, "HP-530627-0007" or
 * "HP-530627-0007 800" (yuan). Without an amount the programme's award per term.
 */
export async function parseBatchLines(
  db: DB,
  input: { text: string; awardAmount: number; parseAmount: (s: string) => number | undefined },
) {
  const entries = input.text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 500)
    .map((l) => {
      const [code = '', amount] = l.split(/[\s,，]+/)
      return { code: code.toUpperCase(), amount: amount ? input.parseAmount(amount) : input.awardAmount }
    })
  const codes = entries.map((e) => e.code)
  const rows = codes.length
    ? await db.selectFrom('beneficiaries').select(['id', 'public_code']).where('public_code', 'in', codes).execute()
    : []
  const ids = new Map(rows.map((r) => [r.public_code, Number(r.id)]))
  return entries.map((e) => {
    const id = ids.get(e.code)
    if (!id) throw new Refusal('batches.error.unknownCode', { params: { code: e.code } })
    if (e.amount === undefined)
      throw new Refusal('batches.error.amount', { params: { code: e.code, max: input.awardAmount } })
    return { beneficiaryId: id, amount: e.amount }
  })
}

import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import type { Actor } from '../auth/maker-checker'
import { fundOfCampaign, fundOfSponsorship, getBalance } from '../ledger'
import { queueEmail } from '../mail/outbox.server'
import { getProgramme } from '../programmes/programmes.server'
import { pathInScope } from '../stations/scope.server'
import { activatePaidSponsorships } from '../sponsorships/lifecycle.server'

// Preparing an award batch (caseworker: disbursements.prepare): the preparer's list read,
// every line checked (scope, eligibility, the one-award-per-term cap, funds), the batch
// written, and the approvers asked. Approval is in approve.server.ts.

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

import type { Selectable } from 'kysely'
import type { CampaignsTable } from '../../../db/schema'
import { dayBound } from '../transparency/http'
import type { DB } from '~/utils/db.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit, type AuditAction } from '../audit/audit.server'
import { linkedIds, setCampaignProgrammes } from '../programmes/links.server'
import { scopeCondition } from '../stations/scope.server'
import { saveCover } from './cover.server'
import { campaignProgress } from './detail.server'
import { PLAN_FIELDS, type CampaignInput, type CampaignStatus, type PlanField } from './schema'

// Campaigns as staff run them: draft → published ('active') → closed. A campaign belongs
// to a station; staff see and change the campaigns of their stations' subtrees, and a
// campaign tied to no station only with a root grant. Every change is audited with the
// row before and after, in the transaction that makes it.

export type Actor = { id: number; ip: string; scope: readonly string[] }
export type CampaignRow = Selectable<CampaignsTable>

const PLAN_COLUMN: Record<PlanField, keyof CampaignRow> = {
  planPurpose: 'plan_purpose',
  planRegion: 'plan_region',
  planResponsible: 'plan_responsible',
  planReceiving: 'plan_receiving',
  planBeneficiaries: 'plan_beneficiaries',
  planUseOfFunds: 'plan_use_of_funds',
  planCost: 'plan_cost',
  planLeftover: 'plan_leftover',
  filingNumber: 'filing_number',
}

const isRoot = (scope: readonly string[]) => scope.some((p) => p.split('/').filter(Boolean).length === 1)

function inScope(db: DB, scope: readonly string[]) {
  return db
    .selectFrom('campaigns')
    .leftJoin('stations', 'stations.id', 'campaigns.station_id')
    .where((eb) =>
      isRoot(scope)
        ? eb.or([eb('campaigns.station_id', 'is', null), scopeCondition('stations.path', scope)])
        : scopeCondition('stations.path', scope),
    )
}

export type CampaignListItem = {
  id: number
  slug: string
  title: string
  titleEn: string
  status: CampaignStatus
  goalAmount: number
  currency: string
  startsAt: string
  endsAt: string | null
  stationName: string | null
  stationNameEn: string | null
  raised: number
  donors: number
}

export async function listCampaignsForStaff(
  db: DB,
  scope: readonly string[],
  filter: { status?: CampaignStatus } = {},
): Promise<CampaignListItem[]> {
  let q = inScope(db, scope).select([
    'campaigns.id',
    'campaigns.slug',
    'campaigns.title',
    'campaigns.title_en',
    'campaigns.status',
    'campaigns.goal_amount',
    'campaigns.currency',
    'campaigns.starts_at',
    'campaigns.ends_at',
    'stations.name as station_name',
    'stations.name_en as station_name_en',
  ])
  if (filter.status) q = q.where('campaigns.status', '=', filter.status)
  const rows = await q.orderBy('campaigns.created_at', 'desc').orderBy('campaigns.id', 'desc').execute()
  const progress = await campaignProgress(
    db,
    rows.map((r) => Number(r.id)),
  )
  return rows.map((r) => ({
    id: Number(r.id),
    slug: r.slug,
    title: r.title,
    titleEn: r.title_en,
    status: r.status,
    goalAmount: Number(r.goal_amount),
    currency: r.currency,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    stationName: r.station_name,
    stationNameEn: r.station_name_en,
    ...(progress.get(Number(r.id)) ?? { raised: 0, donors: 0 }),
  }))
}

/** The campaign when it lies in the scope (otherwise undefined: the route answers 404). */
export async function getCampaignForStaff(db: DB, scope: readonly string[], id: number) {
  const row = await inScope(db, scope).selectAll('campaigns').where('campaigns.id', '=', id).executeTakeFirst()
  if (!row) return undefined
  const gifts = await giftCount(db, id)
  const progress = (await campaignProgress(db, [id])).get(id) ?? { raised: 0, donors: 0 }
  const programmeIds = await linkedIds(db, id)
  return { row: { ...row, id: Number(row.id), goal_amount: Number(row.goal_amount) }, gifts, programmeIds, ...progress }
}

async function giftCount(db: DB, id: number): Promise<number> {
  const r = await db
    .selectFrom('donations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', id)
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

function columnsOf(input: CampaignInput, cover: string | null | undefined) {
  return {
    slug: input.slug,
    title: input.title,
    title_en: input.titleEn,
    summary: input.summary,
    summary_en: input.summaryEn,
    story: input.story,
    story_en: input.storyEn,
    goal_amount: input.goal,
    currency: input.currency,
    suggested_amounts: JSON.stringify(input.suggestedAmounts),
    starts_at: dayBound(input.startsOn)!,
    ends_at: input.endsOn ? dayBound(input.endsOn, true)! : null,
    station_id: input.stationId,
    plan_purpose: input.planPurpose,
    plan_region: input.planRegion,
    plan_responsible: input.planResponsible,
    plan_receiving: input.planReceiving,
    plan_beneficiaries: input.planBeneficiaries,
    plan_use_of_funds: input.planUseOfFunds,
    plan_cost: input.planCost,
    plan_leftover: input.planLeftover,
    filing_number: input.filingNumber,
    ...(cover === undefined ? {} : { cover_path: cover }),
  }
}

async function checkReferences(trx: DB, actor: Actor, input: CampaignInput, id: number | null) {
  const station = await trx.selectFrom('stations').select('path').where('id', '=', input.stationId).executeTakeFirst()
  if (!station || !actor.scope.some((p) => station.path.startsWith(p)))
    throw new Refusal('campaigns.error.station', { field: 'stationId' })
  let taken = trx.selectFrom('campaigns').select('id').where('slug', '=', input.slug)
  if (id !== null) taken = taken.where('id', '!=', id)
  if (await taken.executeTakeFirst()) throw new Refusal('campaigns.error.slugTaken', { field: 'slug', status: 409 })
}

export async function createCampaign(
  db: DB,
  actor: Actor,
  input: CampaignInput,
  cover: Uint8Array | null,
  now = new Date(),
): Promise<number> {
  const coverPath = cover ? await saveCover(cover) : null
  return db.transaction().execute(async (trx) => {
    await checkReferences(trx, actor, input, null)
    const at = now.toISOString()
    const row = await trx
      .insertInto('campaigns')
      .values({ ...columnsOf(input, coverPath), status: 'draft', created_at: at, updated_at: at })
      .returningAll()
      .executeTakeFirstOrThrow()
    await setCampaignProgrammes(trx, { id: Number(row.id), currency: row.currency }, input.programmeIds, now)
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'campaign.created',
        entityType: 'campaign',
        entityId: row.id,
        stationId: input.stationId,
        after: { ...row, programme_ids: await linkedIds(trx, Number(row.id)) },
        ip: actor.ip,
      },
      now,
    )
    return Number(row.id)
  })
}

async function lockedRow(trx: DB, actor: Actor, id: number): Promise<CampaignRow> {
  const found = await getCampaignForStaff(trx, actor.scope, id)
  if (!found) throw new Refusal('campaigns.error.notFound', { status: 404 })
  return found.row
}

async function change(
  trx: DB,
  actor: Actor,
  before: CampaignRow,
  action: AuditAction,
  values: Partial<CampaignRow>,
  now: Date,
  links?: { before: number[]; after: number[] },
): Promise<void> {
  const updated = await trx
    .updateTable('campaigns')
    .set({ ...values, updated_at: now.toISOString() })
    .where('id', '=', before.id)
    // Optimistic: a status that moved meanwhile refuses rather than overwrites.
    .where('status', '=', before.status)
    .returningAll()
    .executeTakeFirst()
  if (!updated) throw new Refusal('campaigns.error.status', { status: 409 })
  await recordAudit(
    trx,
    {
      actorUserId: actor.id,
      action,
      entityType: 'campaign',
      entityId: before.id,
      stationId: updated.station_id,
      before: links ? { ...before, programme_ids: links.before } : before,
      after: links ? { ...updated, programme_ids: links.after } : updated,
      ip: actor.ip,
    },
    now,
  )
}

export async function updateCampaign(
  db: DB,
  actor: Actor,
  id: number,
  input: CampaignInput,
  cover: { bytes: Uint8Array | null; remove: boolean },
  now = new Date(),
): Promise<void> {
  const coverPath = cover.bytes ? await saveCover(cover.bytes) : cover.remove ? null : undefined
  await db.transaction().execute(async (trx) => {
    const before = await lockedRow(trx, actor, id)
    await checkReferences(trx, actor, input, id)
    // Links and receipts name the slug and the currency once people can give.
    if (before.status !== 'draft' && input.slug !== before.slug)
      throw new Refusal('campaigns.error.slugLocked', { field: 'slug', status: 409 })
    if (input.currency !== before.currency && (await giftCount(trx, id)) > 0)
      throw new Refusal('campaigns.error.currencyLocked', { field: 'currency', status: 409 })
    const linksBefore = await linkedIds(trx, id)
    await setCampaignProgrammes(trx, { id, currency: input.currency }, input.programmeIds, now)
    await change(trx, actor, before, 'campaign.updated', columnsOf(input, coverPath), now, {
      before: linksBefore,
      after: await linkedIds(trx, id),
    })
  })
}

/** Draft → published: on every public page, the API and the open data at once. */
export async function publishCampaign(db: DB, actor: Actor, id: number, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await lockedRow(trx, actor, id)
    if (before.status !== 'draft') throw new Refusal('campaigns.error.status', { status: 409 })
    // A public appeal publishes its plan: every field of it, and the filing number.
    for (const field of PLAN_FIELDS)
      if (!String(before[PLAN_COLUMN[field]] ?? '').trim())
        throw new Refusal('campaigns.error.planIncomplete', { field, status: 422 })
    await change(trx, actor, before, 'campaign.published', { status: 'active', published_at: now.toISOString() }, now)
  })
}

/** Published → closed: no new gift starts; sessions begun before still fulfil. */
export async function closeCampaign(db: DB, actor: Actor, id: number, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await lockedRow(trx, actor, id)
    if (before.status !== 'active') throw new Refusal('campaigns.error.status', { status: 409 })
    await change(trx, actor, before, 'campaign.closed', { status: 'closed', closed_at: now.toISOString() }, now)
  })
}

/** Only a campaign nobody gave to and nothing refers to may go; otherwise it is closed instead. */
export async function deleteCampaign(db: DB, actor: Actor, id: number, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await lockedRow(trx, actor, id)
    const fund = `fund:campaign:${id}`
    const gifts = await giftCount(trx, id)
    const batch = await trx.selectFrom('award_batches').select('id').where('fund', '=', fund).executeTakeFirst()
    const report = await trx
      .selectFrom('disclosure_reports')
      .select('id')
      .where('campaign_id', '=', id)
      .executeTakeFirst()
    if (gifts > 0 || batch || report) throw new Refusal('campaigns.error.hasGifts', { status: 409 })
    await trx.deleteFrom('campaign_programmes').where('campaign_id', '=', id).execute()
    await trx.deleteFrom('campaigns').where('id', '=', id).execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'campaign.deleted',
        entityType: 'campaign',
        entityId: id,
        stationId: before.station_id,
        before,
        ip: actor.ip,
      },
      now,
    )
  })
}

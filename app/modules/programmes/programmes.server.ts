import type { DB } from '~/utils/db.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import { getCampaignForStaff, listCampaignsForStaff } from '../campaigns/admin.server'
import { getBalance } from '../ledger'
import { allCampaignLinks, linkedIds } from './links.server'
import type { ProgrammeInput, ProgrammeUpdate } from './schema'

// Programmes: award amount per term, the terms, eligible household categories, and
// the campaigns that fund them (campaign_programmes). The cap "one funded award per
// student per term, across programmes" is enforced by award_term_caps (disbursements).

export type Programme = {
  id: number
  slug: string
  kind: string
  name: string
  nameEn: string
  awardAmount: number
  currency: string
  terms: string[]
  eligibleCategories: string[]
  campaigns: { id: number; title: string; titleEn: string; status: string }[]
}

export async function listProgrammes(db: DB): Promise<Programme[]> {
  const rows = await db.selectFrom('programmes').selectAll().orderBy('id').execute()
  const campaigns = await allCampaignLinks(db)
  return rows.map((r) => ({
    id: Number(r.id),
    slug: r.slug,
    kind: r.kind,
    name: r.name,
    nameEn: r.name_en,
    awardAmount: r.award_amount,
    currency: r.currency,
    terms: JSON.parse(r.terms),
    eligibleCategories: JSON.parse(r.eligible_categories),
    campaigns: campaigns
      .filter((c) => c.programme_id === r.id)
      .map((c) => ({ id: Number(c.id), title: c.title, titleEn: c.title_en, status: c.status })),
  }))
}

export async function getProgramme(db: DB, id: number): Promise<Programme | undefined> {
  return (await listProgrammes(db)).find((p) => p.id === id)
}

export async function createProgramme(
  db: DB,
  actor: { id: number; ip: string },
  input: ProgrammeInput,
  now = new Date(),
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('programmes').select('id').where('slug', '=', input.slug).executeTakeFirst()
    if (taken) throw new Refusal('programmes.error.slugTaken', { field: 'slug', status: 409 })
    const row = await trx
      .insertInto('programmes')
      .values({
        slug: input.slug,
        kind: input.kind,
        name: input.name,
        name_en: input.nameEn,
        award_amount: input.awardAmount,
        currency: input.currency,
        terms: JSON.stringify(input.terms),
        eligible_categories: JSON.stringify(input.eligibleCategories),
        created_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'programme.created',
        entityType: 'programme',
        entityId: row.id,
        after: input,
        ip: actor.ip,
      },
      now,
    )
    return Number(row.id)
  })
}

export type Actor = { id: number; ip: string; scope: readonly string[] }

async function programmeRow(trx: DB, id: number) {
  const row = await trx.selectFrom('programmes').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new Refusal('programmes.error.notFound', { status: 404 })
  return row
}

export async function updateProgramme(db: DB, actor: Actor, input: ProgrammeUpdate, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await programmeRow(trx, input.programmeId)
    const after = await trx
      .updateTable('programmes')
      .set({
        name: input.name,
        name_en: input.nameEn,
        award_amount: input.awardAmount,
        terms: JSON.stringify(input.terms),
        eligible_categories: JSON.stringify(input.eligibleCategories),
      })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'programme.updated',
        entityType: 'programme',
        entityId: before.id,
        before,
        after,
        ip: actor.ip,
      },
      now,
    )
  })
}

/**
 * Make a campaign fund a programme as well (link), or no longer (unlink): award batches of
 * the programme may draw on the campaign's fund. A campaign may fund several programmes,
 * each in the campaign's currency, and only within the staff member's stations.
 */
export async function setCampaignProgramme(
  db: DB,
  actor: Actor,
  input: { campaignId: number; programmeId: number; link: boolean },
  now = new Date(),
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const found = await getCampaignForStaff(trx, actor.scope, input.campaignId)
    if (!found) throw new Refusal('programmes.error.campaign', { field: 'campaignId', status: 404 })
    const before = found.row
    const p = await programmeRow(trx, input.programmeId)
    const linked = await linkedIds(trx, before.id)
    if (input.link) {
      if (p.currency !== before.currency)
        throw new Refusal('programmes.error.linkCurrency', {
          field: 'campaignId',
          params: { currency: p.currency },
        })
      if (linked.includes(p.id)) return
      await trx
        .insertInto('campaign_programmes')
        .values({ campaign_id: before.id, programme_id: p.id, created_at: now.toISOString() })
        .execute()
    } else {
      if (!linked.includes(p.id)) throw new Refusal('programmes.error.notLinked', { status: 409 })
      await trx
        .deleteFrom('campaign_programmes')
        .where('campaign_id', '=', before.id)
        .where('programme_id', '=', p.id)
        .execute()
    }
    // The public API's ETag follows campaigns.updated_at: a link is a change of the campaign.
    await trx.updateTable('campaigns').set({ updated_at: now.toISOString() }).where('id', '=', before.id).execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: input.link ? 'campaign.programme_linked' : 'campaign.programme_unlinked',
        entityType: 'campaign',
        entityId: before.id,
        stationId: before.station_id,
        before: { programme_ids: linked },
        after: { programme_ids: await linkedIds(trx, before.id) },
        ip: actor.ip,
      },
      now,
    )
  })
}

export type FundingLink = { campaignId: number; title: string; titleEn: string; status: string; balance: number }

/** Per programme, the campaigns funding it and what each campaign's fund holds now (awardable). */
export async function programmeFunding(db: DB, programmes: Programme[]): Promise<Map<number, FundingLink[]>> {
  const out = new Map<number, FundingLink[]>()
  for (const p of programmes) {
    const links: FundingLink[] = []
    for (const c of p.campaigns)
      links.push({
        campaignId: c.id,
        title: c.title,
        titleEn: c.titleEn,
        status: c.status,
        balance: await getBalance(db, `fund:campaign:${c.id}`, p.currency),
      })
    out.set(p.id, links)
  }
  return out
}

/** Campaigns a staff member may link: within their stations, newest first. */
export async function linkableCampaigns(db: DB, scope: readonly string[]) {
  return (await listCampaignsForStaff(db, scope)).map((c) => ({
    id: c.id,
    title: c.title,
    titleEn: c.titleEn,
    currency: c.currency,
    status: c.status,
  }))
}

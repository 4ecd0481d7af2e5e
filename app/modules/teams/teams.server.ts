import type { DB } from '~/utils/db.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import { takesGifts } from '../campaigns/open'
import { COUNTED, giftProgress } from '../campaigns/detail.server'
import { publicDisplayName } from '../donations/display-name'
import { newTeamCode } from '../donations/ids.server'
import { containsContactDetails } from '../sponsorships/letters.server'
import type { TeamInput } from './schema'

// Team pages (一起捐). A signed-in donor starts one for a published campaign; it is live at
// once (title and message are checked for contact details by the letters' rule), and staff
// hide it when it should not be public (./moderate.server.ts). A hidden page is gone from
// every public surface: each public query here filters on status = 'open'. A page takes
// gifts exactly while its campaign does ("teams close with their campaign").

export type TeamOwner = { id: number; displayName: string; ip?: string | null }

/** Title and message refused when they carry contact details, on the field that does. */
function assertNoContact(input: Pick<TeamInput, 'title' | 'message'>) {
  if (containsContactDetails(input.title)) throw new Refusal('teams.error.contact', { field: 'title' })
  if (containsContactDetails(input.message)) throw new Refusal('teams.error.contact', { field: 'message' })
}

/** Active stations a page may belong to (a school's Youth League branch, a county station). */
export async function teamStations(db: DB) {
  const rows = await db
    .selectFrom('stations')
    .select(['id', 'name', 'name_en'])
    .where('active', '=', 1)
    .orderBy('path')
    .execute()
  return rows.map((r) => ({ id: Number(r.id), name: r.name, nameEn: r.name_en }))
}

export async function createTeam(db: DB, owner: TeamOwner, input: TeamInput, now = new Date()): Promise<string> {
  assertNoContact(input)
  const campaign = await db
    .selectFrom('campaigns')
    .select(['id', 'status', 'ends_at', 'currency'])
    .where('slug', '=', input.campaign)
    .executeTakeFirst()
  if (!campaign || !takesGifts(campaign, now)) throw new Refusal('teams.error.campaign', { field: 'campaign' })
  if (input.station !== null) {
    const station = await db
      .selectFrom('stations')
      .select('id')
      .where('id', '=', input.station)
      .where('active', '=', 1)
      .executeTakeFirst()
    if (!station) throw new Refusal('teams.error.station', { field: 'station' })
  }
  const code = newTeamCode()
  const write = async (trx: DB) => {
    const row = await trx
      .insertInto('team_pages')
      .values({
        code,
        campaign_id: campaign.id,
        owner_id: owner.id,
        owner_name: publicDisplayName(owner.displayName, input.displayMode),
        station_id: input.station,
        title: input.title,
        message: input.message,
        goal_amount: input.goal,
        currency: campaign.currency,
        hidden_by: null,
        hidden_at: null,
        hidden_reason: null,
        created_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(
      trx,
      {
        actorUserId: owner.id,
        action: 'team.create',
        entityType: 'team_page',
        entityId: Number(row.id),
        after: { code, campaignId: campaign.id, title: input.title },
        ip: owner.ip,
      },
      now,
    )
  }
  // Inside a caller's transaction (the demo seed) it writes there; otherwise in its own.
  await (db.isTransaction ? write(db) : db.transaction().execute(write))
  return code
}

function openTeams(db: DB) {
  return db
    .selectFrom('team_pages as t')
    .innerJoin('campaigns as c', 'c.id', 't.campaign_id')
    .leftJoin('stations as s', 's.id', 't.station_id')
    .select([
      't.id',
      't.code',
      't.title',
      't.message',
      't.owner_name',
      't.goal_amount',
      't.currency',
      't.created_at',
      'c.id as campaign_id',
      'c.slug',
      'c.title as campaign_title',
      'c.title_en',
      'c.status as campaign_status',
      'c.ends_at',
      's.name as station_name',
      's.name_en as station_name_en',
    ])
    .where('t.status', '=', 'open')
    .where('c.status', 'in', ['active', 'closed'])
}

/** The public page of one team, or undefined (unknown, hidden, or its campaign a draft). */
export async function publicTeam(db: DB, code: string, locale: 'zh-CN' | 'en', now = new Date()) {
  const t = await openTeams(db).where('t.code', '=', code).executeTakeFirst()
  if (!t) return undefined
  const id = Number(t.id)
  const progress = (await giftProgress(db, 'team_id', [id])).get(id)!
  // display_name is already masked by each donor's own choice (full, family name, 爱心人士).
  const supporters = await db
    .selectFrom('donations')
    .select(['public_id', 'display_name', 'amount', 'currency', 'paid_at'])
    .where('team_id', '=', id)
    .where('status', 'in', COUNTED)
    .orderBy('paid_at', 'desc')
    .orderBy('id', 'desc')
    .limit(50)
    .execute()
  const en = locale === 'en'
  return {
    code: t.code,
    title: t.title,
    message: t.message,
    ownerName: t.owner_name,
    goalAmount: Number(t.goal_amount),
    currency: t.currency,
    station: t.station_name ? (en && t.station_name_en) || t.station_name : null,
    campaign: { slug: t.slug, title: (en && t.title_en) || t.campaign_title },
    open: takesGifts({ status: t.campaign_status, ends_at: t.ends_at }, now),
    ...progress,
    supporters: supporters.map((s) => ({
      id: s.public_id,
      name: s.display_name,
      amount: Number(s.amount),
      currency: s.currency,
      paidAt: s.paid_at,
    })),
  }
}
export type PublicTeam = NonNullable<Awaited<ReturnType<typeof publicTeam>>>

/** The campaign page's leaderboard: open teams by amount raised, then the oldest first. */
export async function teamLeaderboard(db: DB, campaignId: number, limit = 10) {
  const teams = await openTeams(db).where('t.campaign_id', '=', campaignId).orderBy('t.id').limit(500).execute()
  const progress = await giftProgress(
    db,
    'team_id',
    teams.map((t) => Number(t.id)),
  )
  return teams
    .map((t) => ({
      code: t.code,
      title: t.title,
      ownerName: t.owner_name,
      goalAmount: Number(t.goal_amount),
      currency: t.currency,
      ...progress.get(Number(t.id))!,
    }))
    .sort((a, b) => b.raised - a.raised)
    .slice(0, limit)
}

/**
 * The team a gift is given through: open, of the campaign the gift is for, and that
 * campaign still taking gifts. Anything else is refused on the form, never silently dropped.
 */
export async function teamForCheckout(db: DB, code: string, campaignId: number | null): Promise<number> {
  const t = await db
    .selectFrom('team_pages')
    .select(['id', 'campaign_id'])
    .where('code', '=', code)
    .where('status', '=', 'open')
    .executeTakeFirst()
  if (!t || campaignId === null || Number(t.campaign_id) !== campaignId)
    throw new Refusal('teams.error.closed', { field: 'team' })
  return Number(t.id)
}

/** The title to show on the donation form, or null when the code names no open page of the campaign. */
export async function teamForForm(db: DB, code: string, campaignSlug: string | null) {
  const t = await openTeams(db).where('t.code', '=', code).executeTakeFirst()
  if (!t || t.slug !== campaignSlug || !takesGifts({ status: t.campaign_status, ends_at: t.ends_at })) return null
  return { code: t.code, title: t.title }
}

/** The donor portal's list: the signed-in donor's own pages, hidden ones said to be so. */
export async function ownTeams(db: DB, ownerId: number) {
  const rows = await db
    .selectFrom('team_pages as t')
    .innerJoin('campaigns as c', 'c.id', 't.campaign_id')
    .select(['t.id', 't.code', 't.title', 't.status', 't.goal_amount', 't.currency', 'c.title as campaign_title'])
    .where('t.owner_id', '=', ownerId)
    .orderBy('t.id', 'desc')
    .limit(50)
    .execute()
  const progress = await giftProgress(
    db,
    'team_id',
    rows.map((r) => Number(r.id)),
  )
  return rows.map((r) => ({
    code: r.code,
    title: r.title,
    hidden: r.status === 'hidden',
    campaignTitle: r.campaign_title,
    goalAmount: Number(r.goal_amount),
    currency: r.currency,
    raised: progress.get(Number(r.id))!.raised,
  }))
}

/** Campaigns a page may be started for now. */
export async function campaignsForTeams(db: DB, now = new Date()) {
  const rows = await db
    .selectFrom('campaigns')
    .select(['slug', 'title', 'title_en', 'status', 'ends_at'])
    .where('status', '=', 'active')
    .orderBy('id')
    .execute()
  return rows.filter((c) => takesGifts(c, now)).map((c) => ({ slug: c.slug, title: c.title, titleEn: c.title_en }))
}

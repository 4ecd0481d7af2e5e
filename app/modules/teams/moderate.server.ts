import type { DB } from '~/utils/db.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import { campaignInScope } from '../campaigns/updates.server'
import { giftProgress } from '../campaigns/detail.server'
import { pathInScope } from '../stations/scope.server'

// Staff moderation of team pages: the list, and hiding a page (with a reason, audited).
// A member of staff reaches a page through its campaign's station or the page's own
// station; root-scoped staff reach every page (a campaign without a station is theirs).

export type ModerationActor = { id: number; scope: readonly string[]; ip?: string | null }

function teamsQuery(db: DB) {
  return db
    .selectFrom('team_pages as t')
    .innerJoin('campaigns as c', 'c.id', 't.campaign_id')
    .leftJoin('stations as cs', 'cs.id', 'c.station_id')
    .leftJoin('stations as ts', 'ts.id', 't.station_id')
    .innerJoin('users as u', 'u.id', 't.owner_id')
    .select([
      't.id',
      't.code',
      't.title',
      't.message',
      't.status',
      't.owner_name',
      't.goal_amount',
      't.currency',
      't.created_at',
      't.hidden_at',
      't.hidden_reason',
      't.station_id',
      'c.title as campaign_title',
      'c.title_en',
      'cs.path as campaign_path',
      'ts.path as team_path',
    ])
}

type Row = Awaited<ReturnType<ReturnType<typeof teamsQuery>['execute']>>[number]
const inScope = (scope: readonly string[], r: Row) =>
  campaignInScope(scope, r.campaign_path) || (r.team_path !== null && pathInScope(scope, r.team_path))

export async function listTeamsForStaff(db: DB, scope: readonly string[]) {
  const rows = (await teamsQuery(db).orderBy('t.id', 'desc').limit(500).execute()).filter((r) => inScope(scope, r))
  const progress = await giftProgress(
    db,
    'team_id',
    rows.map((r) => Number(r.id)),
  )
  return rows.slice(0, 200).map((r) => ({
    id: Number(r.id),
    code: r.code,
    title: r.title,
    message: r.message,
    hidden: r.status === 'hidden',
    ownerName: r.owner_name,
    campaignTitle: r.campaign_title,
    campaignTitleEn: r.title_en,
    goalAmount: Number(r.goal_amount),
    currency: r.currency,
    raised: progress.get(Number(r.id))!.raised,
    createdAt: r.created_at,
    hiddenAt: r.hidden_at,
    hiddenReason: r.hidden_reason,
  }))
}

/** Hide a page from every public surface. Gifts already given stay credited to it in the ledger. */
export async function hideTeam(
  db: DB,
  actor: ModerationActor,
  input: { teamId: number; reason: string },
  now = new Date(),
): Promise<void> {
  const row = await teamsQuery(db).where('t.id', '=', input.teamId).executeTakeFirst()
  if (!row || !inScope(actor.scope, row)) throw new Refusal('teams.error.notFound', { status: 404 })
  if (row.status === 'hidden') throw new Refusal('teams.error.alreadyHidden', { status: 409 })
  await db.transaction().execute(async (trx) => {
    const changed = await trx
      .updateTable('team_pages')
      .set({ status: 'hidden', hidden_by: actor.id, hidden_at: now.toISOString(), hidden_reason: input.reason })
      .where('id', '=', input.teamId)
      .where('status', '=', 'open')
      .executeTakeFirst()
    if (Number(changed.numUpdatedRows) !== 1) throw new Refusal('teams.error.alreadyHidden', { status: 409 })
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'team.hide',
        entityType: 'team_page',
        entityId: input.teamId,
        stationId: row.station_id,
        before: { status: 'open' },
        after: { status: 'hidden', reason: input.reason },
        ip: actor.ip,
      },
      now,
    )
  })
}

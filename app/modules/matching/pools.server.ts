// Matching pools for staff: create and edit the rules, fund a pool with an offline gift,
// read its balance and matches. The balance is the ledger's, never a column here.
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { recordAudit } from '../audit/audit.server'
import { recordOfflineGiftIn } from '../donations/offline.server'
import { ensureAccount, fundOfMatchPool, getBalance } from '../ledger'
import { Refusal } from '../../utils/refusal'
import type { PoolRow } from './rule.server'
import type { PoolInput } from './schema'

type Db = Kysely<Database>
export type Actor = { id: number | null; ip?: string | null }

const columns = (input: PoolInput) => ({
  name: input.name,
  name_en: input.nameEn,
  sponsor: input.sponsor,
  sponsor_en: input.sponsorEn,
  rule: input.rule,
  ratio_gift: input.ratioGift,
  ratio_match: input.ratioMatch,
  random_min: input.rule === 'random' ? input.randomMin : null,
  random_max: input.rule === 'random' ? input.randomMax : null,
  min_gift: input.minGift,
  cap_per_gift: input.capPerGift,
  cap_per_donor_day: input.capPerDonorDay,
  cap_total: input.capTotal,
  opens_minute: input.opensMinute,
  closes_minute: input.closesMinute,
  starts_on: input.startsOn,
  ends_on: input.endsOn,
  status: input.status,
})

async function setCampaigns(db: Db, poolId: number, ids: number[]) {
  const found = await db.selectFrom('campaigns').select('id').where('id', 'in', ids).execute()
  if (found.length !== ids.length) throw new Refusal('matching.error.campaigns', { field: 'campaignIds' })
  await db.deleteFrom('matching_pool_campaigns').where('pool_id', '=', poolId).execute()
  await db
    .insertInto('matching_pool_campaigns')
    .values(ids.map((campaign_id) => ({ pool_id: poolId, campaign_id })))
    .execute()
}

/** The public name of a pool's fund, as the ledger's account name. */
const accountName = (input: { name: string; sponsor: string }) => `配捐 ${input.name}（${input.sponsor}）`.slice(0, 200)

export function createPool(db: Db, actor: Actor, input: PoolInput, now = new Date()): Promise<number> {
  return db.transaction().execute((trx) => createPoolIn(trx, actor, input, now))
}

/** The same, in the caller's transaction (the demo seed). */
export async function createPoolIn(trx: Db, actor: Actor, input: PoolInput, now = new Date()): Promise<number> {
  {
    const at = now.toISOString()
    const row = await trx
      .insertInto('matching_pools')
      .values({ ...columns(input), currency: 'CNY', created_by: actor.id, created_at: at, updated_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    await setCampaigns(trx, row.id, input.campaignIds)
    await ensureAccount(trx, { code: fundOfMatchPool(row.id), name: accountName(input) })
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'matching.pool_create',
      entityType: 'matching_pool',
      entityId: row.id,
      after: { ...columns(input), campaignIds: input.campaignIds },
      ip: actor.ip ?? null,
    })
    return row.id
  }
}

export async function updatePool(db: Db, actor: Actor, id: number, input: PoolInput, now = new Date()) {
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('matching_pools').selectAll().where('id', '=', id).executeTakeFirst()
    if (!before) throw new Refusal('matching.error.notFound', { status: 404 })
    await trx
      .updateTable('matching_pools')
      .set({ ...columns(input), updated_at: now.toISOString() })
      .where('id', '=', id)
      .execute()
    await setCampaigns(trx, id, input.campaignIds)
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'matching.pool_update',
      entityType: 'matching_pool',
      entityId: id,
      before,
      after: { ...columns(input), campaignIds: input.campaignIds },
      ip: actor.ip ?? null,
    })
  })
}

export type PoolSummary = PoolRow & { balance: number; matched: number; matches: number; campaignIds: number[] }

/** Every pool with its balance (the ledger's) and what it has matched, newest first. */
export async function listPools(db: Db): Promise<PoolSummary[]> {
  const pools = await db.selectFrom('matching_pools').selectAll().orderBy('id', 'desc').execute()
  const links = await db.selectFrom('matching_pool_campaigns').selectAll().execute()
  const totals = await db
    .selectFrom('matching_matches')
    .select((eb) => [
      'pool_id',
      eb.fn.sum<number>(eb('amount', '-', eb.ref('returned'))).as('n'),
      eb.fn.countAll<number>().as('c'),
    ])
    .groupBy('pool_id')
    .execute()
  const byPool = new Map(totals.map((t) => [t.pool_id, t]))
  return Promise.all(
    pools.map(async (p) => ({
      ...p,
      balance: await getBalance(db, fundOfMatchPool(p.id), p.currency),
      matched: Number(byPool.get(p.id)?.n ?? 0),
      matches: Number(byPool.get(p.id)?.c ?? 0),
      campaignIds: links.filter((l) => l.pool_id === p.id).map((l) => l.campaign_id),
    })),
  )
}

/** The latest matches of a pool, for staff (gift id, amount, returned, time). */
export async function poolMatches(db: Db, poolId: number, limit = 50) {
  return db
    .selectFrom('matching_matches as m')
    .innerJoin('donations as d', 'd.id', 'm.donation_id')
    .select(['d.public_id', 'm.amount', 'm.returned', 'm.currency', 'm.created_at'])
    .where('m.pool_id', '=', poolId)
    .orderBy('m.id', 'desc')
    .limit(limit)
    .execute()
}

export type Funding = {
  reference: string
  receivedOn: string
  amount: number
  donorName: string
  donorEmail: string
}

/** The sponsor's money into the pool: an ordinary offline gift booked into fund:match:<id>. */
export function fundPool(db: Db, actor: { id: number }, poolId: number, f: Funding) {
  return db.transaction().execute((trx) => fundPoolIn(trx, actor, poolId, f))
}

/** The same, in the caller's transaction. */
export async function fundPoolIn(db: Transaction<Database>, actor: { id: number }, poolId: number, f: Funding) {
  const pool = await db
    .selectFrom('matching_pools')
    .select(['id', 'currency'])
    .where('id', '=', poolId)
    .executeTakeFirst()
  if (!pool) throw new Refusal('matching.error.notFound', { status: 404 })
  return recordOfflineGiftIn(db, {
    method: 'bank_transfer',
    reference: f.reference,
    receivedOn: f.receivedOn,
    amount: f.amount,
    currency: pool.currency,
    campaignSlug: null,
    donorName: f.donorName,
    donorEmail: f.donorEmail,
    displayMode: 'full',
    note: '',
    provider: 'offline',
    sourceRef: `match-pool:${poolId}:${f.reference}`,
    recordedBy: actor.id,
    poolId,
  })
}

/** Active campaigns a pool may match (the staff form's checkboxes). */
export function campaignsForPools(db: Db) {
  return db
    .selectFrom('campaigns')
    .select(['id', 'title', 'title_en'])
    .where('status', '=', 'active')
    .orderBy('id')
    .execute()
}

/** The sponsor of a pool, or undefined. */
export async function poolSponsor(db: Db, id: number): Promise<string | undefined> {
  return (await db.selectFrom('matching_pools').select('sponsor').where('id', '=', id).executeTakeFirst())?.sponsor
}

// The matching race (issue 18): many gifts to one campaign fulfilled at once over HTTP
// (Stripe webhooks through a balancer in front of several app processes), against a pool
// that covers exactly 10 matches. Exactly 10 gifts are matched, the pool ends at ¥0, every
// gift is paid and the ledger verifies. PostgreSQL with 3 apps; one SQLite app on a file.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { fundOfCampaign, fundOfMatchPool, getBalance, verifyLedger } from '~/modules/ledger'
import { createDatabase, type DB } from '~/utils/db.server'
import { ensureBuild } from '../../app/cli/build'
import { prng } from '../bench/lib'
import { FakeStripe } from '../support/fake-stripe'
import { newCampaign, newPool, staffUser } from '../support/matching'
import { createPgDatabase } from '../support/pg-database'
import { prepareAppDatabase, startApp, startBalancer, type Balancer } from './support/cluster'
import { scaled } from './support/scale'
import {
  insertStormDonations,
  planStorm,
  redeliver,
  registerIntents,
  sendDeliveries,
  unanswered,
  type StormPlan,
} from './support/storm'

const WEBHOOK_SECRET = 'whsec_chaos_match_0123456789'
const MATCHES = 10
const MATCH = 10_00 // every storm gift is ≥ ¥10, and the pool caps each match at ¥10
const pgSkip = inject('pgSkip')
const log = (line: string) => console.log(`[match-race] ${line}`)

let fake: FakeStripe
const cleanups: (() => Promise<unknown>)[] = []
beforeAll(async () => {
  ensureBuild('capture')
  fake = await new FakeStripe().start()
  cleanups.push(() => fake.stop())
})
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error('cleanup:', error))
})

const env = () => ({
  STRIPE_SECRET_KEY: 'sk_test_chaos_match',
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_API_URL: `http://127.0.0.1:${fake.port}`,
})

/** Demo data, the storm's pending gifts moved to a campaign of the race's own, and a pool on it worth 10 matches. */
async function prepare(url: string, plan: StormPlan) {
  await prepareAppDatabase(url)
  const { db } = createDatabase(url, { poolSize: 2 })
  cleanups.push(() => db.destroy())
  await insertStormDonations(db, plan.donations)
  registerIntents(fake, plan.donations)
  const campaignId = await newCampaign(db)
  await db
    .updateTable('donations')
    .set({ campaign_id: campaignId, fund: fundOfCampaign(campaignId), designation: 'campaign' })
    .where(
      'public_id',
      'in',
      plan.donations.map((d) => d.publicId),
    )
    .execute()
  const poolId = await newPool(
    db,
    await staffUser(db),
    campaignId,
    { minGift: '10', capPerGift: '10' },
    MATCHES * MATCH,
  )
  return { db, campaignId, poolId }
}

async function race(label: string, db: DB, plan: StormPlan, poolId: number, url: () => string, apps: number) {
  const rand = prng(18)
  const deliveries = plan.deliveries.filter((d) => d.event.type === 'checkout.session.completed')
  // The demo seed's own pool has matched seeded gifts already: count only the race's.
  const matchTransactions = async () =>
    Number(
      (
        await db
          .selectFrom('ledger_transactions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', '=', 'match')
          .executeTakeFirstOrThrow()
      ).n,
    )
  const matchTransactionsBefore = await matchTransactions()
  const started = Date.now()
  await sendDeliveries(deliveries, { url, secret: WEBHOOK_SECRET, round: 0, rand, concurrency: [32, 64] })
  await redeliver(deliveries, {
    url,
    secret: WEBHOOK_SECRET,
    rand,
    concurrency: [4, 16],
    firstRound: 1,
    maxRounds: 6,
    deadline: Date.now() + 120_000,
    log,
  })
  const seconds = (Date.now() - started) / 1000
  expect(unanswered(deliveries).length, 'deliveries never answered 2xx').toBe(0)
  const matches = await db.selectFrom('matching_matches').selectAll().where('pool_id', '=', poolId).execute()
  const paid = await db
    .selectFrom('donations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(
      'public_id',
      'in',
      plan.donations.map((d) => d.publicId),
    )
    .where('status', '=', 'paid')
    .executeTakeFirstOrThrow()
  log(
    `${label}: ${plan.donations.length} gifts fulfilled at once over HTTP (${deliveries.length} webhook deliveries, duplicates included) across ${apps} app process(es), ` +
      `${matches.length} matches (pool covered ${MATCHES}), ${seconds.toFixed(1)} s, load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
  )
  expect(Number(paid.n)).toBe(plan.donations.length)
  expect(matches.length).toBe(MATCHES)
  expect(matches.every((m) => m.amount === MATCH)).toBe(true)
  expect(await getBalance(db, fundOfMatchPool(poolId), 'CNY')).toBe(0)
  expect((await matchTransactions()) - matchTransactionsBefore).toBe(MATCHES)
  expect(await verifyLedger(db)).toMatchObject({ ok: true })
}

describe('matching race', () => {
  it.skipIf(!!pgSkip)('PostgreSQL: several app processes, a pool worth 10 matches, exactly 10', async () => {
    const plan = planStorm({ tag: 'MP', events: scaled('MATCH_RACE_GIFTS', 200, 1000), rand: prng(1818) })
    const database = await createPgDatabase(inject('pgUrl'), 'match')
    cleanups.push(() => database.drop())
    const { db, poolId } = await prepare(database.url, plan)
    const balancer: Balancer = await startBalancer()
    cleanups.push(() => balancer.close())
    const count = scaled('MATCH_RACE_APPS', 3, 4)
    const launches = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        startApp({ databaseUrl: database.url, name: `match-pg-${i}`, baseUrl: balancer.url, env: env() }).then(
          (app) => {
            cleanups.push(() => app.stop())
            return app
          },
        ),
      ),
    )
    const apps = launches.map((l) => {
      if (l.status === 'rejected') throw l.reason
      return l.value
    })
    balancer.setBackends(apps)
    await race('PostgreSQL', db, plan, poolId, () => balancer.url, apps.length)
  })

  it('SQLite: one app process on a file, a pool worth 10 matches, exactly 10', async () => {
    const plan = planStorm({ tag: 'MS', events: scaled('MATCH_RACE_SQLITE_GIFTS', 120, 1000), rand: prng(1819) })
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-match-'))
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }))
    const url = `sqlite:${path.join(dir, 'match.db')}`
    const { db, poolId } = await prepare(url, plan)
    const balancer: Balancer = await startBalancer()
    cleanups.push(() => balancer.close())
    const app = await startApp({ databaseUrl: url, name: 'match-sqlite', baseUrl: balancer.url, env: env() })
    cleanups.push(() => app.stop())
    balancer.setBackends([app])
    await race('SQLite', db, plan, poolId, () => balancer.url, 1)
  })
})

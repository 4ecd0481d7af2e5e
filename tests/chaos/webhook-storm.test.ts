// Webhook storms with crashes: N checkout completions (Stripe's, and WeChat Pay and Alipay
// payment notifications), each delivered 1–5 times, shuffled,
// sent with changing concurrency through a balancer; one app process is killed -9 while
// requests are in flight; everything without a 2xx is re-delivered as Stripe would. Then
// the database must hold exactly N paid donations, N ledger postings, N receipts and N
// receipt mails, one row per event, a verified ledger, and no live process may have
// answered 500. Runs on PostgreSQL with several app processes and on a SQLite file.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { ensureBuild } from '../../app/cli/build'
import { prng } from '../bench/lib'
import { FakeStripe } from '../support/fake-stripe'
import { createPgDatabase } from '../support/pg-database'
import { prepareAppDatabase, startApp, startBalancer, type AppProcess, type Balancer } from './support/cluster'
import { scaled } from './support/scale'
import {
  domesticDonations,
  domesticEvents,
  insertDomesticDonations,
  startDomesticFakes,
  type DomesticFakes,
} from './support/storm-domestic'
import {
  checkAfterStorm,
  insertStormDonations,
  ok,
  paidCount,
  planStorm,
  randomInt,
  redeliver,
  registerIntents,
  sendDeliveries,
  statusCounts,
  stormSeed,
  tableCounts,
  unanswered,
  type Delivery,
  type StormPlan,
} from './support/storm'

const WEBHOOK_SECRET = 'whsec_chaos_storm_0123456789'
const CONCURRENCY: [number, number] = [4, 24]
const KILL_AFTER = 0.4 // share of first-pass deliveries started before the kill
const MAX_ROUNDS = 10
/** WeChat Pay and Alipay donations each, per dialect: a few dozen notifications under CI. */
const DOMESTIC = scaled('STORM_DOMESTIC_EVENTS', 12, 250)
const REDELIVERY_DEADLINE_MS = scaled('STORM_REDELIVERY_SECONDS', 60, 600) * 1000
const pgSkip = inject('pgSkip')

const seed = stormSeed()
const log = (line: string) => console.log(`[webhook-storm seed=${seed}] ${line}`)

let fake: FakeStripe
let domestic: DomesticFakes
const cleanups: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  ensureBuild('capture')
  fake = await new FakeStripe().start()
  cleanups.push(() => fake.stop())
  domestic = await startDomesticFakes()
  cleanups.push(() => domestic.stop())
})

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error('cleanup:', error))
})

function stripeEnv() {
  return {
    STRIPE_SECRET_KEY: 'sk_test_chaos_storm',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_URL: `http://127.0.0.1:${fake.port}`,
    ...domestic.env,
  }
}

/** Database, plan, pending donations and intents; returns the counts before the storm. */
async function prepare(url: string, plan: StormPlan) {
  await prepareAppDatabase(url)
  const { db } = createDatabase(url, { poolSize: 2 })
  cleanups.push(() => db.destroy())
  await insertStormDonations(db, plan.donations)
  await insertDomesticDonations(db, plan.donations)
  registerIntents(fake, plan.donations)
  return { db, before: await tableCounts(db) }
}

type Figures = {
  firstPassSeconds: number
  paidAfterFirstPass: number
  seconds: number
  rounds: number
  inFlightAtKill: number
  apps: Record<string, number | undefined>
}

function report(label: string, plan: StormPlan, o: Figures) {
  const first = statusCounts(plan.deliveries, 0)
  const fulfilled = plan.deliveries.reduce((s, d) => s + d.attempts.filter((a) => a.outcome === 'fulfilled').length, 0)
  log(
    `${label}: ${plan.donations.length} donations, ${plan.events.length} distinct events, ${first.sent} first-pass deliveries ` +
      `(2xx ${first.ok}, 502 ${first.s502}, cut ${first.network}, other ${first.other}); ${o.inFlightAtKill} in flight at the kill; ` +
      `first pass ${o.firstPassSeconds.toFixed(1)} s, ${o.paidAfterFirstPass} paid by then (${(o.paidAfterFirstPass / o.firstPassSeconds).toFixed(1)} fulfilments/s, ` +
      `${(first.sent / o.firstPassSeconds).toFixed(1)} deliveries/s); redelivery rounds ${o.rounds}; all ${plan.donations.length} paid after ${o.seconds.toFixed(1)} s (restart included); ` +
      `"fulfilled" answers ${fulfilled} (any missing were committed but their answer was cut by the kill); peak RSS MB ${JSON.stringify(o.apps)}; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
  )
  const failures = new Set(
    plan.deliveries.flatMap((d) =>
      d.attempts.filter((a) => a.round === 0 && a.detail).map((a) => `${a.status} ${a.detail}`),
    ),
  )
  if (failures.size) log(`${label}: first-pass failures seen: ${[...failures].slice(0, 4).join(' | ')}`)
}

/** How many first-pass deliveries start before the kill; checked up front, before anything starts. */
function killPoint(plan: StormPlan): number {
  const sent = Math.floor(plan.deliveries.length * KILL_AFTER)
  if (sent < 1) {
    throw new Error(
      `${plan.deliveries.length} first-pass deliveries are too few to kill the app after ${Math.round(KILL_AFTER * 100)} % of them: raise STORM_EVENTS / STORM_SQLITE_EVENTS`,
    )
  }
  return sent
}

/**
 * Every delivery once, in the plan's order; `kill` runs once `killAfter` of them have started.
 * killedAt (seconds into the pass) stays undefined if the kill never ran.
 */
async function firstPass(
  plan: StormPlan,
  killAfter: number,
  rand: () => number,
  url: () => string,
  victim: AppProcess,
  kill: () => Promise<void>,
) {
  const started = Date.now()
  let killed: Promise<void> = Promise.resolve()
  let killedAt: number | undefined
  let inFlightAtKill = 0
  let victimPeakRssMb: number | undefined
  await sendDeliveries(plan.deliveries, {
    url,
    secret: WEBHOOK_SECRET,
    round: 0,
    rand,
    concurrency: CONCURRENCY,
    at: {
      sent: killAfter,
      run: (inFlight) => {
        killedAt = (Date.now() - started) / 1000
        inFlightAtKill = inFlight
        victimPeakRssMb = victim.peakRssMb()
        killed = kill()
      },
    },
  })
  return { started, firstPassSeconds: (Date.now() - started) / 1000, killed, killedAt, inFlightAtKill, victimPeakRssMb }
}

/** The kill ran during the first pass and cost that round at least one 502 or cut connection. */
function expectKillHit(plan: StormPlan, killedAt: number | undefined) {
  expect(killedAt, 'the first pass never reached the kill').toBeDefined()
  const first = statusCounts(plan.deliveries, 0)
  expect(
    first.s502 + first.network,
    `round 0 saw no 502 and no cut connection: the kill hit nothing (${JSON.stringify(first)})`,
  ).toBeGreaterThan(0)
}

/**
 * A late re-send of a sample of already-answered events (Stripe does this too), a larger
 * share of the WeChat Pay and Alipay ones; the table counts around it must not move.
 */
async function sendLateDuplicates(plan: StormPlan, rand: () => number, url: () => string, db: DB) {
  const late: Delivery[] = plan.events
    .filter((e) => rand() < 0.05 || (e.wire && rand() < 0.25))
    .map((event) => ({ event, attempts: [] }))
  const before = await tableCounts(db)
  await sendDeliveries(late, { url, secret: WEBHOOK_SECRET, round: 99, rand, concurrency: CONCURRENCY })
  plan.deliveries.push(...late)
  return { late, before, after: await tableCounts(db) }
}

/**
 * Checked after the database checks, which say more when something is wrong. WeChat Pay's
 * 204 and Alipay's "success" do not name a duplicate: that they wrote nothing shows it.
 */
function expectAllDuplicates({ late, before, after }: Awaited<ReturnType<typeof sendLateDuplicates>>) {
  expect(
    late
      .filter((d) => !d.event.wire && d.attempts[0]?.outcome !== 'duplicate')
      .map((d) => `${d.event.id}: ${JSON.stringify(d.attempts[0])}`),
    'late re-sends answered other than "duplicate"',
  ).toEqual([])
  expect(
    late.filter((d) => d.event.wire && !ok(d.attempts[0]?.status ?? 0)).map((d) => d.event.id),
    'late WeChat Pay / Alipay re-sends without a 2xx',
  ).toEqual([])
  expect(after, 'rows written by the late re-sends').toEqual(before)
}

/** The storm's plan: Stripe's events with the WeChat Pay and Alipay notifications shuffled in. */
function stormPlan(tag: string, events: number, rand: () => number): StormPlan {
  const donations = domesticDonations(tag, DOMESTIC, () => randomInt(rand, 10, 5000) * 100)
  return planStorm({
    tag,
    events,
    rand,
    domestic: { donations, events: (offset) => domesticEvents(domestic, tag, donations, offset) },
  })
}

/** A storm's variant: the group commit as configured, or forced to its largest batches. */
type Variant = { tag: string; seed: number; events: number; apps: number; env: Record<string, string> }
// Every fulfilment waits for others to join its batch, up to the most a batch may hold.
const LARGEST_BATCHES = { FULFIL_BATCH_MAX: '1000', FULFIL_BATCH_WAIT_MS: '20' }

/** Several app processes on one PostgreSQL database, one killed mid-storm. */
async function pgStorm(v: Variant) {
  const rand = prng(seed ^ v.seed)
  const plan = stormPlan(v.tag, v.events, rand)
  const killAfter = killPoint(plan)
  const database = await createPgDatabase(inject('pgUrl'), 'storm')
  cleanups.push(() => database.drop())
  const { db, before } = await prepare(database.url, plan)

  const balancer: Balancer = await startBalancer()
  cleanups.push(() => balancer.close())
  const count = v.apps
  // Each app's stop is registered as soon as it serves, and all launches are waited for,
  // so that none is left running when another fails to start.
  const launches = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startApp({
        databaseUrl: database.url,
        name: `pg-app-${i}`,
        baseUrl: balancer.url,
        env: { ...stripeEnv(), ...v.env },
      }).then((app) => {
        cleanups.push(() => app.stop())
        return app
      }),
    ),
  )
  const failedLaunch = launches.find((l) => l.status === 'rejected')
  if (failedLaunch) throw failedLaunch.reason
  const apps: AppProcess[] = launches.map((l) => (l as PromiseFulfilledResult<AppProcess>).value)
  balancer.setBackends(apps)
  const victim = apps[randomInt(rand, 0, apps.length - 1)]!
  log(
    `PostgreSQL: ${apps.length} apps; ${victim.name} is killed after ${Math.round(KILL_AFTER * 100)} % of the first pass`,
  )

  const { started, firstPassSeconds, killed, killedAt, inFlightAtKill, victimPeakRssMb } = await firstPass(
    plan,
    killAfter,
    rand,
    () => balancer.url,
    victim,
    () => victim.kill('SIGKILL'),
  )
  const peak: Record<string, number | undefined> = { [`${victim.name} (killed)`]: victimPeakRssMb }
  await killed
  expectKillHit(plan, killedAt)
  expect(victim.alive).toBe(false)
  const paidAfterFirstPass = await paidCount(db, plan)

  // Stripe's retries arrive over time: the first half while the process is still dead (the
  // balancer's health check has taken it out), the rest after it has been restarted.
  const survivors = apps.filter((a) => a !== victim)
  const failed = unanswered(plan.deliveries)
  balancer.setBackends(survivors)
  await sendDeliveries(
    failed.filter((_, i) => i % 2 === 0),
    { url: () => balancer.url, secret: WEBHOOK_SECRET, round: 1, rand, concurrency: CONCURRENCY },
  )
  log(`round 1 (survivors only): re-delivered ${Math.ceil(failed.length / 2)} of ${failed.length}`)
  await victim.restart()
  balancer.setBackends(apps)
  const rounds = await redeliver(plan.deliveries, {
    url: () => balancer.url,
    secret: WEBHOOK_SECRET,
    rand,
    concurrency: CONCURRENCY,
    firstRound: 2,
    maxRounds: MAX_ROUNDS - 1,
    deadline: Date.now() + REDELIVERY_DEADLINE_MS,
    log,
  })
  const seconds = (Date.now() - started) / 1000

  // Late duplicates go round-robin over all processes, the restarted one included.
  const late = await sendLateDuplicates(plan, rand, () => balancer.url, db)

  for (const app of apps) peak[app.name] = app.peakRssMb()
  report('PostgreSQL', plan, { firstPassSeconds, paidAfterFirstPass, seconds, rounds, inFlightAtKill, apps: peak })
  expect(
    apps.filter((a) => !a.alive).map((a) => `${a.name}:\n${a.output()}`),
    'app processes that died unasked',
  ).toEqual([])
  await checkAfterStorm(db, plan, before, { killRound: 0 })
  expectAllDuplicates(late)
}

/** One app process on a SQLite file, killed mid-storm and restarted. */
async function sqliteStorm(v: Variant) {
  const rand = prng(seed ^ v.seed)
  const plan = stormPlan(v.tag, v.events, rand)
  const killAfter = killPoint(plan)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-storm-'))
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }))
  const url = `sqlite:${path.join(dir, 'storm.db')}`
  const { db, before } = await prepare(url, plan)

  const balancer = await startBalancer()
  cleanups.push(() => balancer.close())
  const app = await startApp({
    databaseUrl: url,
    name: 'sqlite-app',
    baseUrl: balancer.url,
    env: { ...stripeEnv(), ...v.env },
  })
  cleanups.push(() => app.stop())
  balancer.setBackends([app])

  // Restart at once; deliveries meanwhile get 502 and wait for Stripe's retries.
  const {
    started,
    firstPassSeconds,
    killed: restarted,
    killedAt,
    inFlightAtKill,
    victimPeakRssMb,
  } = await firstPass(
    plan,
    killAfter,
    rand,
    () => balancer.url,
    app,
    () => app.kill('SIGKILL').then(() => app.restart()),
  )
  const peak: Record<string, number | undefined> = { 'sqlite-app (killed)': victimPeakRssMb }
  const paidAfterFirstPass = await paidCount(db, plan)
  await restarted
  expectKillHit(plan, killedAt)
  const rounds = await redeliver(plan.deliveries, {
    url: () => balancer.url,
    secret: WEBHOOK_SECRET,
    rand,
    concurrency: CONCURRENCY,
    firstRound: 1,
    maxRounds: MAX_ROUNDS,
    deadline: Date.now() + REDELIVERY_DEADLINE_MS,
    log,
  })
  const seconds = (Date.now() - started) / 1000

  const late = await sendLateDuplicates(plan, rand, () => balancer.url, db)

  peak['sqlite-app'] = app.peakRssMb()
  report('SQLite', plan, { firstPassSeconds, paidAfterFirstPass, seconds, rounds, inFlightAtKill, apps: peak })
  expect(app.alive, app.output()).toBe(true)
  await checkAfterStorm(db, plan, before, { killRound: 0 })
  expectAllDuplicates(late)
}

describe('webhook storm with kill -9', () => {
  it.skipIf(!!pgSkip)('PostgreSQL: several app processes on one database, one killed mid-storm', () =>
    pgStorm({
      tag: 'PG',
      seed: 0,
      events: scaled('STORM_EVENTS', 300, 5000),
      apps: scaled('STORM_APPS', 3, 4),
      env: {},
    }),
  )
  it('SQLite: one app process on a file, killed mid-storm and restarted', () =>
    sqliteStorm({ tag: 'LITE', seed: 0x5eed, events: scaled('STORM_SQLITE_EVENTS', 200, 3000), apps: 1, env: {} }))
  // The same storms with the group commit forced to its largest batches (small for CI).
  it.skipIf(!!pgSkip)('PostgreSQL, largest batches: two app processes, one killed mid-storm', () =>
    pgStorm({
      tag: 'PGB',
      seed: 0xba7c4,
      events: scaled('STORM_BATCH_EVENTS', 60, 1000),
      apps: 2,
      env: LARGEST_BATCHES,
    }),
  )
  it('SQLite, largest batches: one app process, killed mid-storm and restarted', () =>
    sqliteStorm({
      tag: 'LITEB',
      seed: 0xba7c5,
      events: scaled('STORM_BATCH_EVENTS', 60, 1000),
      apps: 1,
      env: LARGEST_BATCHES,
    }))
})

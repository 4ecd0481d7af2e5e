// Webhook fulfilment across processes: N demo-signed checkout.session.completed events
// (signature check, event record, donation, ledger posting, receipt and its email job in
// one transaction, group-committed per process) through a loopback round-robin balancer to
// THREE app processes of the production build on one PostgreSQL, beside two same-run
// baselines: a bare POST doing one insert into the same PostgreSQL through the same
// balancer and the same three processes (webhooks-cluster-bare.json), and the same code on
// ONE process (webhooks-cluster.json). Each configuration gets a fresh, demo-seeded
// database with N + warm-up pending donations; every event must answer 200 and every
// donation must end paid, with a ledger that verifies. BENCH_RUNS repeats the lot; the
// median is committed with every run in the notes.
import os from 'node:os'
import { sql } from 'kysely'
import { verifyLedger } from '../../app/modules/ledger/verify.server'
import { demoCheckoutEvent, demoWebhookSecret, signDemoPayload } from '../../app/modules/payments/demo.server'
import { createDatabase } from '../../app/utils/db.server'
import { ensureBuild } from '../../app/cli/build'
import {
  CHAOS_SESSION_SECRET,
  deliver,
  prepareAppDatabase,
  startApp,
  startBalancer,
  type AppProcess,
} from '../chaos/support/cluster'
import { createPgDatabase } from '../support/pg-database'
import { findPostgresBin, startCluster } from '../support/postgres-cluster'
import { firstCampaign, insertPendingDonations } from './generator/pending'
import { benchRuns, coresBusy, groupCommitNote, medianOfRuns, percentile, round, writeResult } from './lib'

const EVENTS = Number(process.env.BENCH_CLUSTER_EVENTS ?? 3000)
const WARM = Number(process.env.BENCH_CLUSTER_WARM ?? 150)
const CONCURRENCY = Number(process.env.BENCH_CLUSTER_CONCURRENCY ?? 12)
const AMOUNT = 10_000

type Load = { perSecond: number; p50: number; p99: number; seconds: number; coresBusy?: number }
type Run = {
  /** The bare insert through the same balancer and processes, when asked for. */
  bare?: Load
  load: number
  label: string
  apps: number
  perSecond: number
  p50: number
  p99: number
  seconds: number
  /** Cores busy during the timed load (of os.cpus().length), every process counted. */
  coresBusy?: number
  peakRssMb: (number | undefined)[]
  verifySeconds: number
}

/** N + warm-up pending demo donations to the first campaign, as the checkout leaves them. */
async function pendingDonations(url: string, tag: string): Promise<string[]> {
  const { db } = createDatabase(url, { poolSize: 1 })
  try {
    const ids = Array.from({ length: EVENTS + WARM }, (_, i) => `D-${tag}${String(i).padStart(6, '0')}`)
    await insertPendingDonations(
      db,
      ids.map((publicId) => ({
        publicId,
        trackingCode: `T${publicId}`,
        amount: AMOUNT,
        donorName: '压测',
        donorEmail: `${publicId.toLowerCase()}@bench.test`,
        sessionId: `cs_demo_${publicId}`,
      })),
      { campaign: await firstCampaign(db, { unmatched: true }), provider: 'demo', createdAt: new Date().toISOString() },
    )
    return ids
  } finally {
    await db.destroy()
  }
}

/** Every donation paid, and the ledger verifies; returns verifyLedger's seconds. */
async function checkDatabase(url: string, tag: string): Promise<number> {
  const { db } = createDatabase(url, { poolSize: 1 })
  try {
    const paid = await db
      .selectFrom('donations')
      .select(sql<number>`count(*)`.as('n'))
      .where('public_id', 'like', `D-${tag}%`)
      .where('status', '=', 'paid')
      .executeTakeFirstOrThrow()
    if (Number(paid.n) !== EVENTS + WARM) throw new Error(`${tag}: ${paid.n} of ${EVENTS + WARM} donations paid`)
    const t0 = process.hrtime.bigint()
    const verified = await verifyLedger(db)
    if (!verified.ok) throw new Error(`${tag}: ledger does not verify: ${JSON.stringify(verified.firstError)}`)
    return Number(process.hrtime.bigint() - t0) / 1e9
  } finally {
    await db.destroy()
  }
}

async function measure(label: string, databaseUrl: string, apps: number, tag: string, bare: boolean): Promise<Run> {
  await prepareAppDatabase(databaseUrl)
  {
    const { db } = createDatabase(databaseUrl, { poolSize: 1 })
    await sql`create table bench_plain (id bigserial primary key, k text not null, amount integer not null)`.execute(db)
    await db.destroy()
  }
  const ids = await pendingDonations(databaseUrl, tag)
  const balancer = await startBalancer()
  const started: AppProcess[] = []
  let run: Run
  try {
    // One at a time: starting three Remix processes at once on two cores only slows each.
    for (let i = 0; i < apps; i++)
      started.push(
        await startApp({
          databaseUrl,
          name: `${label}-${i + 1}`,
          baseUrl: balancer.url,
          script: 'tests/bench/cluster-app.ts',
        }),
      )
    balancer.setBackends(started)
    const secret = demoWebhookSecret(CHAOS_SESSION_SECRET)
    const latencies: number[] = []
    // Signed at send time, as Stripe does (the signature carries a timestamp).
    const send = async (publicId: string) => {
      const body = JSON.stringify(
        demoCheckoutEvent({ publicId, amount: AMOUNT, currency: 'CNY', frequency: 'once', outcome: 'paid' }),
      )
      const t0 = process.hrtime.bigint()
      const res = await fetch(`${balancer.url}/webhooks/stripe`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'stripe-signature': signDemoPayload(body, secret) },
      })
      await res.arrayBuffer()
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
      return res.status
    }
    const warm = await deliver(ids.slice(EVENTS), CONCURRENCY, send)
    let bareLoad: Load | undefined
    if (bare) {
      // A body of a webhook's size to a route that inserts one row; a form, as the app's
      // request guard allows JSON only on the webhook paths.
      const body = new URLSearchParams({
        event: JSON.stringify(
          demoCheckoutEvent({ publicId: ids[0]!, amount: AMOUNT, currency: 'CNY', frequency: 'once', outcome: 'paid' }),
        ),
      }).toString()
      const plain = async () => {
        const t0 = process.hrtime.bigint()
        const res = await fetch(`${balancer.url}/__bench/insert`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: balancer.url },
        })
        await res.arrayBuffer()
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
        return res.status
      }
      await deliver(ids.slice(EVENTS), CONCURRENCY, plain)
      latencies.length = 0
      const t0 = process.hrtime.bigint()
      const busy = coresBusy()
      const statuses = await deliver(ids.slice(0, EVENTS), CONCURRENCY, plain)
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9
      const bareBusy = busy()
      const failed = statuses.filter((s) => s !== 200).length
      if (failed) throw new Error(`${label}: ${failed} bare inserts did not answer 200`)
      bareLoad = {
        perSecond: EVENTS / seconds,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        seconds,
        coresBusy: bareBusy,
      }
      console.log(
        `${label}: bare insert ${round(bareLoad.perSecond, 1)}/s (p50 ${round(bareLoad.p50, 1)} ms), ${bareBusy} cores busy`,
      )
    }
    latencies.length = 0
    const t0 = process.hrtime.bigint()
    const busy = coresBusy()
    const statuses = await deliver(ids.slice(0, EVENTS), CONCURRENCY, send)
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    const fulfilBusy = busy()
    const failed = [...warm, ...statuses].filter((s) => s !== 200).length
    if (failed)
      throw new Error(
        `${label}: ${failed} deliveries did not answer 200 (${JSON.stringify(balancer.stats)})\n${started.map((a) => a.output().slice(-2000)).join('\n')}`,
      )
    const peakRssMb = started.map((a) => a.peakRssMb())
    run = {
      bare: bareLoad,
      load: os.loadavg()[0]!,
      label,
      apps,
      perSecond: EVENTS / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      seconds,
      coresBusy: fulfilBusy,
      peakRssMb,
      verifySeconds: 0,
    }
    console.log(
      `${label}: ${round(run.perSecond, 1)} events/s (p50 ${round(run.p50, 1)} ms, p99 ${round(run.p99, 1)} ms), ${fulfilBusy} cores busy, peak RSS ${peakRssMb.join(', ')} MB`,
    )
  } finally {
    for (const a of started) await a.stop()
    await balancer.close()
  }
  // With every app stopped, so that the check has the machine to itself.
  run.verifySeconds = await checkDatabase(databaseUrl, tag)
  return run
}

export async function run() {
  if (!findPostgresBin())
    throw new Error('webhooks-cluster needs PostgreSQL binaries (initdb, pg_ctl): install postgresql or set PG_BIN')
  ensureBuild('capture')
  const cluster = await startCluster()
  const ones: Run[] = []
  const threes: Run[] = []
  try {
    for (let i = 0; i < benchRuns(); i++) {
      // One process first, then three (with the bare baseline): each on a database of its own.
      for (const [label, apps] of [
        ['pg-1-app', 1],
        ['pg-3-apps', 3],
      ] as const) {
        const database = await createPgDatabase(cluster.url, 'bench')
        try {
          const r = await measure(
            label,
            database.url,
            apps,
            `${label.replace(/[^a-z0-9]/gi, '').toUpperCase()}R${i}`,
            apps === 3,
          )
          ;(apps === 1 ? ones : threes).push(r)
        } finally {
          await database.drop()
        }
      }
    }
  } finally {
    cluster.stop()
  }
  const mid = (runs: Run[]) => [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)]!
  const notes = (r: Run) => ({
    perSecond: round(r.perSecond, 1),
    p50ms: round(r.p50, 1),
    p99ms: round(r.p99, 1),
    seconds: round(r.seconds, 1),
    coresBusy: r.coresBusy,
    peakRssMb: r.peakRssMb,
    verifySeconds: round(r.verifySeconds, 2),
  })
  const common = {
    events: EVENTS,
    warmUp: WARM,
    concurrency: CONCURRENCY,
    groupCommit: groupCommitNote(),
    postgres:
      'throwaway PG cluster (tests/support/postgres-cluster.ts): fsync=off, synchronous_commit=off, same machine',
    machine: 'the apps, PostgreSQL, the balancer and the client share the same cores',
  }
  const vsOne = medianOfRuns(threes.map((t, i) => ({ value: t.perSecond, baseline: ones[i]!.perSecond, load: t.load })))
  writeResult('webhooks-cluster', {
    name: 'demo-signed checkout.session.completed fulfilled per second, 3 app processes behind the balancer (PostgreSQL)',
    value: vsOne.value,
    unit: 'req/s',
    baseline: {
      name: 'the same code, 1 app process behind the same balancer (same PostgreSQL cluster, same run)',
      value: vsOne.baseline,
    },
    notes: { ...common, threeApps: notes(mid(threes)), oneApp: notes(mid(ones)), ...vsOne.notes, goal: 'ratio >= 2' },
  })
  const vsBare = medianOfRuns(threes.map((t) => ({ value: t.perSecond, baseline: t.bare!.perSecond, load: t.load })))
  const bareMid = [...threes].sort((a, b) => a.bare!.perSecond - b.bare!.perSecond)[Math.floor(threes.length / 2)]!
  return writeResult('webhooks-cluster-bare', {
    name: 'demo-signed checkout.session.completed fulfilled per second, 3 app processes behind the balancer (PostgreSQL)',
    value: vsBare.value,
    unit: 'req/s',
    baseline: {
      name: 'bare Remix POST doing one insert into the same PostgreSQL, same balancer and 3 processes, same run',
      value: vsBare.baseline,
    },
    notes: {
      ...common,
      threeApps: notes(mid(threes)),
      bare: {
        p50ms: round(bareMid.bare!.p50, 1),
        p99ms: round(bareMid.bare!.p99, 1),
        coresBusy: bareMid.bare!.coresBusy,
      },
      ...vsBare.notes,
      goal: 'ratio >= 0.7',
    },
  })
}

// Webhook fulfilment across processes: N demo-signed checkout.session.completed events
// (signature check, event record, donation, ledger posting, receipt and its email job in
// one transaction) through a loopback round-robin balancer to THREE app processes of the
// production build on one PostgreSQL, beside a same-run baseline: the same build, the same
// number of events, the same balancer, ONE app process on the same PostgreSQL cluster. The
// ratio says what the extra processes buy on this machine. The same single process on
// SQLite is measured too (notes), for the README table. Each configuration gets a fresh,
// demo-seeded database with N + warm-up pending donations; every event must answer 200
// and every donation must end paid, with a ledger that verifies.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
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
import { percentile, round, writeResult } from './lib'

const EVENTS = Number(process.env.BENCH_CLUSTER_EVENTS ?? 3000)
const WARM = Number(process.env.BENCH_CLUSTER_WARM ?? 150)
const CONCURRENCY = Number(process.env.BENCH_CLUSTER_CONCURRENCY ?? 12)
const AMOUNT = 10_000

type Run = {
  label: string
  apps: number
  perSecond: number
  p50: number
  p99: number
  seconds: number
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
      { campaign: await firstCampaign(db), provider: 'demo', createdAt: new Date().toISOString() },
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

async function measure(label: string, databaseUrl: string, apps: number, tag: string): Promise<Run> {
  await prepareAppDatabase(databaseUrl)
  const ids = await pendingDonations(databaseUrl, tag)
  const balancer = await startBalancer()
  const started: AppProcess[] = []
  let run: Run
  try {
    // One at a time: starting three Remix processes at once on two cores only slows each.
    for (let i = 0; i < apps; i++)
      started.push(await startApp({ databaseUrl, name: `${label}-${i + 1}`, baseUrl: balancer.url }))
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
    latencies.length = 0
    const t0 = process.hrtime.bigint()
    const statuses = await deliver(ids.slice(0, EVENTS), CONCURRENCY, send)
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    const failed = [...warm, ...statuses].filter((s) => s !== 200).length
    if (failed)
      throw new Error(
        `${label}: ${failed} deliveries did not answer 200 (${JSON.stringify(balancer.stats)})\n${started.map((a) => a.output().slice(-2000)).join('\n')}`,
      )
    const peakRssMb = started.map((a) => a.peakRssMb())
    run = {
      label,
      apps,
      perSecond: EVENTS / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      seconds,
      peakRssMb,
      verifySeconds: 0,
    }
    console.log(
      `${label}: ${round(run.perSecond, 1)} events/s (p50 ${round(run.p50, 1)} ms, p99 ${round(run.p99, 1)} ms), peak RSS ${peakRssMb.join(', ')} MB`,
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
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-bench-cluster-'))
  try {
    const runs: Run[] = []
    // Baseline first, then the cluster, then SQLite: each on a database of its own.
    for (const [label, apps, dialect] of [
      ['pg-1-app', 1, 'pg'],
      ['pg-3-apps', 3, 'pg'],
      ['sqlite-1-app', 1, 'sqlite'],
    ] as const) {
      const database =
        dialect === 'pg'
          ? await createPgDatabase(cluster.url, 'bench')
          : { url: `sqlite:${path.join(tmp, 'webhooks.db')}`, drop: async () => {} }
      try {
        runs.push(await measure(label, database.url, apps, label.replace(/[^a-z0-9]/gi, '').toUpperCase()))
      } finally {
        await database.drop()
      }
    }
    const [one, three, sqlite] = runs as [Run, Run, Run]
    const notes = (r: Run) => ({
      perSecond: round(r.perSecond, 1),
      p50ms: round(r.p50, 1),
      p99ms: round(r.p99, 1),
      seconds: round(r.seconds, 1),
      peakRssMb: r.peakRssMb,
      verifySeconds: round(r.verifySeconds, 2),
    })
    return writeResult('webhooks-cluster', {
      name: 'demo-signed checkout.session.completed fulfilled per second, 3 app processes behind the balancer (PostgreSQL)',
      value: three.perSecond,
      unit: 'req/s',
      baseline: {
        name: 'the same, 1 app process behind the same balancer (same PostgreSQL cluster, same run)',
        value: one.perSecond,
      },
      notes: {
        events: EVENTS,
        warmUp: WARM,
        concurrency: CONCURRENCY,
        threeApps: notes(three),
        oneApp: notes(one),
        sqliteOneApp: notes(sqlite),
        postgres:
          'throwaway PG cluster (tests/support/postgres-cluster.ts): fsync=off, synchronous_commit=off, same machine',
        machine: 'the apps, PostgreSQL, the balancer and the client share the same cores',
      },
    })
  } finally {
    cluster.stop()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

// Webhook fulfilment throughput on SQLite: signed checkout.session.completed events
// through the real Remix build (signature check, event record, donation, ledger posting,
// receipt and its email job, all in one transaction), beside a bare Remix POST route doing
// one insert, both served by the same Express + Remix handler on 127.0.0.1.
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import express from 'express'
import { sql, type Kysely } from 'kysely'
import { ensureBuild } from '../../app/cli/build'
import { demoCheckoutEvent, demoWebhookSecret, signDemoPayload } from '../../app/modules/payments/demo.server'
import { createDatabase, setDb } from '../../app/utils/db.server'
import { migrateToLatest } from '../../db/migrator'
import { seedDemo } from '../../db/seed/demo'
import os from 'node:os'
import { firstCampaign, insertPendingDonations } from './generator/pending'
import {
  benchRuns,
  closedLoop,
  dataDir,
  groupCommitNote,
  medianOfRuns,
  percentile,
  rethrow,
  round,
  writeResult,
} from './lib'

const N = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 2000)
const CONCURRENCY = 8
const SESSION_SECRET = 'bench-session-secret-bench-session-secret-0'

async function load(url: string, bodies: { body: string; headers: Record<string, string> }[]) {
  const { results, latencies, seconds } = await closedLoop(
    bodies,
    CONCURRENCY,
    async (item) => {
      const res = await fetch(url, { method: 'POST', body: item.body, headers: item.headers })
      await res.arrayBuffer()
      return res.status
    },
    rethrow,
  )
  const failures = results.filter((status) => status !== 200).length
  return {
    perSecond: bodies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures,
  }
}

type Once = { hooks: Awaited<ReturnType<typeof load>>; bare: Awaited<ReturnType<typeof load>>; load: number }

async function once(): Promise<Once> {
  Object.assign(process.env, {
    NODE_ENV: 'test',
    SESSION_SECRET,
    BASE_URL: 'http://127.0.0.1:3999',
    STRIPE_SECRET_KEY: '',
    STRIPE_WEBHOOK_SECRET: '',
  })
  ensureBuild('inherit')
  fs.mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, 'webhooks.db')
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  const { db } = createDatabase(`sqlite:${file}`)
  setDb(db) // the build's getDb() reads the same process-wide instance
  const raw = db as unknown as Kysely<any>
  await migrateToLatest(db)
  await seedDemo(db)
  await sql`create table bench_plain (id integer primary key, k text not null, amount integer not null)`.execute(raw)

  // N pending demo donations, as the checkout leaves them.
  const ids = Array.from({ length: N + 200 }, (_, i) => `D-BENCH${String(i).padStart(6, '0')}`)
  await insertPendingDonations(
    db,
    ids.map((publicId) => ({
      publicId,
      trackingCode: `T${publicId}`,
      amount: 10000,
      donorName: '压测',
      donorEmail: `${publicId.toLowerCase()}@bench.test`,
      sessionId: `cs_demo_${publicId}`,
    })),
    { campaign: await firstCampaign(db, { unmatched: true }), provider: 'demo', createdAt: new Date().toISOString() },
  )

  const real = (await import(pathToFileURL(path.resolve('build/index.js')).href)) as ServerBuild
  const build: ServerBuild = {
    ...real,
    routes: {
      ...real.routes,
      'routes/__bench_insert': {
        id: 'routes/__bench_insert',
        parentId: 'root',
        path: '__bench/insert',
        index: undefined,
        caseSensitive: undefined,
        module: {
          action: async ({ request }: { request: Request }) => {
            const body = await request.text()
            await raw
              .insertInto('bench_plain')
              .values({ k: body.slice(0, 40), amount: body.length })
              .execute()
            return Response.json({ ok: true })
          },
        } as any,
      },
    },
  }
  const app = express()
  app.all('*', createRequestHandler({ build, mode: 'production' }))
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const secret = demoWebhookSecret(SESSION_SECRET)
  const events = (slice: string[]) =>
    slice.map((publicId) => {
      const body = JSON.stringify(
        demoCheckoutEvent({ publicId, amount: 10000, currency: 'CNY', frequency: 'once', outcome: 'paid' }),
      )
      return {
        body,
        headers: { 'content-type': 'application/json', 'stripe-signature': signDemoPayload(body, secret) },
      }
    })
  const plain = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ body: `plain-${i}`, headers: { 'content-type': 'text/plain' } }))
  try {
    // Warm both paths before timing.
    await load(`${base}/webhooks/stripe`, events(ids.slice(N)))
    await load(`${base}/__bench/insert`, plain(200))
    const bare = await load(`${base}/__bench/insert`, plain(N))
    const hooks = await load(`${base}/webhooks/stripe`, events(ids.slice(0, N)))
    const paid = await db
      .selectFrom('donations')
      .select(sql<number>`count(*)`.as('n'))
      .where('public_id', 'like', 'D-BENCH%')
      .where('status', '=', 'paid')
      .executeTakeFirstOrThrow()
    if (hooks.failures || bare.failures || Number(paid.n) !== N + 200)
      throw new Error(`bench failures: ${hooks.failures} webhook, ${bare.failures} plain; ${paid.n} paid`)
    return { hooks, bare, load: os.loadavg()[0]! }
  } finally {
    server.close()
    await db.destroy()
  }
}

/** BENCH_RUNS runs (each on a fresh database); the median is committed, every run in the notes. */
export async function run() {
  const runs: Once[] = []
  for (let i = 0; i < benchRuns(); i++) {
    runs.push(await once())
    const r = runs[runs.length - 1]!
    console.log(`run ${i + 1}: ${round(r.hooks.perSecond, 1)} fulfilments/s beside ${round(r.bare.perSecond, 1)} bare`)
  }
  const m = medianOfRuns(runs.map((r) => ({ value: r.hooks.perSecond, baseline: r.bare.perSecond, load: r.load })))
  const mid = [...runs].sort((a, b) => a.hooks.perSecond - b.hooks.perSecond)[Math.floor(runs.length / 2)]!
  return writeResult('webhooks', {
    name: 'signed checkout.session.completed fulfilled per second (SQLite, 1 process)',
    value: m.value,
    unit: 'req/s',
    baseline: { name: 'bare Remix POST doing one insert (same process, same run)', value: m.baseline },
    notes: {
      events: N,
      concurrency: CONCURRENCY,
      webhookP50ms: round(mid.hooks.p50, 2),
      webhookP99ms: round(mid.hooks.p99, 2),
      bareP50ms: round(mid.bare.p50, 2),
      bareP99ms: round(mid.bare.p99, 2),
      groupCommit: groupCommitNote(),
      ...m.notes,
      goal: 'ratio >= 0.9',
    },
  })
}

// Where the milliseconds of one webhook fulfilment go, on each database: every statement of
// handleWebhook's transaction is counted and timed (Kysely's log), and the time from the
// chain-head lock to the end of the transaction (the ledger's critical section) is split
// into the statements under it and the rest (commit, JavaScript between statements).
// `npx tsx tests/bench/fulfil-profile.ts` — prints a table per database and per
// concurrency; not a registered bench (it has no baseline), it is the measurement behind
// the design in app/modules/ledger/post.server.ts. PROFILE_SEQUENCE=1 also prints one
// fulfilment's statements in order.
import { AsyncLocalStorage } from 'node:async_hooks'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { LogEvent } from 'kysely'
import { handleWebhook } from '../../app/modules/donations/webhook.server'
import { groupCommitFor } from '../../app/modules/ledger'
import { createDemoProvider, demoCheckoutEvent } from '../../app/modules/payments/demo.server'
import { narrowEvent } from '../../app/modules/payments/events'
import { createDatabase, type DB } from '../../app/utils/db.server'
import { prepareAppDatabase } from '../chaos/support/cluster'
import { createPgDatabase } from '../support/pg-database'
import { findPostgresBin, startCluster } from '../support/postgres-cluster'
import { firstCampaign, insertPendingDonations } from './generator/pending'
import { closedLoop, rethrow, round } from './lib'

const N = Number(process.env.PROFILE_EVENTS ?? 300)

type Statement = { sql: string; ms: number }
type Trace = { statements: Statement[]; lockedAt?: number }
const current = new AsyncLocalStorage<Trace>()
let all: Statement[] = []

function log(event: LogEvent) {
  const s = { sql: event.query.sql, ms: event.queryDurationMillis }
  all.push(s)
  const trace = current.getStore()
  if (!trace) return
  trace.statements.push(s)
  if (trace.lockedAt === undefined && /from "ledger_head"/.test(s.sql)) trace.lockedAt = trace.statements.length
}

/** A statement's shape: its verb and first table. */
const shape = (s: string) =>
  (/^(select|insert into|update|delete from|savepoint|release|rollback)\s.*?("?[a-z_]+"?)/i
    .exec(s.replace(/\s+/g, ' '))
    ?.slice(1, 3)
    .join(' ') ?? s.slice(0, 30)) + (/for update/.test(s) ? ' for update' : '')

/**
 * N fulfilments through handleWebhook, `concurrency` at a time. With batching off every
 * transaction is one fulfilment, so the statements after the head lock are counted per
 * fulfilment; with it on, per item of the batches.
 */
async function profile(label: string, url: string, concurrency: number, batchMax: number) {
  await prepareAppDatabase(url)
  const { db } = createDatabase(url, { poolSize: 10, log })
  try {
    const committer = groupCommitFor(db)
    committer.settings = { max: batchMax, waitMs: batchMax > 1 ? 1 : 0 }
    const tag = `P${concurrency}B${batchMax}`
    const ids = Array.from({ length: N + 50 }, (_, i) => `D-${tag}${String(i).padStart(6, '0')}`)
    await insertPendingDonations(
      db,
      ids.map((publicId) => ({
        publicId,
        trackingCode: `T${publicId}`,
        amount: 10_000,
        donorName: '压测',
        donorEmail: `${publicId.toLowerCase()}@bench.test`,
        sessionId: `cs_demo_${publicId}`,
      })),
      { campaign: await firstCampaign(db, { unmatched: true }), provider: 'demo', createdAt: new Date().toISOString() },
    )
    const provider = createDemoProvider({ db, baseUrl: 'http://127.0.0.1', webhookSecret: 'unused' })
    const traces: Trace[] = []
    const fulfil = async (publicId: string) => {
      const event = narrowEvent(
        demoCheckoutEvent({ publicId, amount: 10_000, currency: 'CNY', frequency: 'once', outcome: 'paid' }) as never,
      )
      const trace: Trace = { statements: [] }
      await current.run(trace, () => handleWebhook(db as DB, provider, event))
      traces.push(trace)
    }
    await closedLoop(ids.slice(N), concurrency, fulfil, rethrow) // warm-up
    traces.length = 0
    all = []
    const before = { ...committer.stats }
    const { seconds, latencies } = await closedLoop(ids.slice(0, N), concurrency, fulfil, rethrow)
    const items = committer.stats.items - before.items
    const batches = committer.stats.batches - before.batches
    const held = (committer.stats.heldMs - before.heldMs) / items
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const byShape = new Map<string, { n: number; ms: number }>()
    for (const s of all) {
      const e = byShape.get(shape(s.sql)) ?? { n: 0, ms: 0 }
      e.n++
      e.ms += s.ms
      byShape.set(shape(s.sql), e)
    }
    const underLock =
      batchMax === 1 ? mean(traces.map((t) => t.statements.length - (t.lockedAt ?? t.statements.length))) : undefined
    console.log(
      `\n${label}, concurrency ${concurrency}, batches of up to ${batchMax}: ${round(N / seconds, 1)} fulfilments/s; ` +
        `${items} items in ${batches} transactions; per fulfilment ${round(all.length / N, 1)} statements` +
        (underLock !== undefined ? ` (${round(underLock, 1)} after the head lock)` : '') +
        `, ${round(all.reduce((a, s) => a + s.ms, 0) / N, 2)} ms in statements; ` +
        `head held ${round(held, 2)} ms per fulfilment; latency mean ${round(mean(latencies), 2)} ms; ` +
        `load average ${os.loadavg()[0]!.toFixed(2)}`,
    )
    for (const [k, v] of [...byShape].sort((a, b) => b[1].ms - a[1].ms))
      console.log(`  ${k.padEnd(48)} ${String(round(v.n / N, 2)).padStart(5)}× ${round(v.ms / v.n, 3)} ms`)
    // PROFILE_SEQUENCE=1: one fulfilment's statements in order (the last one, all caches warm).
    const last = traces.at(-1)
    if (process.env.PROFILE_SEQUENCE && last && batchMax === 1)
      for (const [i, s] of last.statements.entries())
        console.log(
          `  ${String(i + 1).padStart(3)}${i + 1 === last.lockedAt ? ' head' : '     '} ${round(s.ms, 3)} ms  ${s.sql.replace(/\s+/g, ' ').slice(0, 150)}`,
        )
  } finally {
    await db.destroy()
  }
}

const RUNS: [concurrency: number, batchMax: number][] = [
  [1, 1],
  [8, 1],
  [8, 64],
]
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-profile-'))
try {
  for (const [c, b] of RUNS) await profile('SQLite', `sqlite:${path.join(tmp, `p${c}-${b}.db`)}`, c, b)
  if (findPostgresBin()) {
    const cluster = await startCluster()
    try {
      for (const [c, b] of RUNS) {
        const database = await createPgDatabase(cluster.url, 'profile')
        try {
          await profile('PostgreSQL', database.url, c, b)
        } finally {
          await database.drop()
        }
      }
    } finally {
      cluster.stop()
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true })
}

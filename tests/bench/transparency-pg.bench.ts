// Transparency at a million donations on PostgreSQL: the generator's bulk mode loads the
// SQLite bench's data (the demo, 10,000 students, 1,000,000 donations, 100,000 awards) into
// a throwaway PostgreSQL cluster on this machine, verifyLedger checks it, and the real Remix
// build serves /transparency beside the trivial page, as transparency.bench.ts does on
// SQLite (the ledger 900,000 rows deep and trace pages go in the notes). Nothing is cached:
// each run loads the data afresh (minutes).
import { sql } from 'kysely'
import { verifyLedger } from '../../app/modules/ledger/verify.server'
import { getSummary } from '../../app/modules/transparency/summary.server'
import { createDatabase } from '../../app/utils/db.server'
import { createPgDatabase } from '../support/pg-database'
import { findPostgresBin, startCluster } from '../support/postgres-cluster'
import { bulkGenerate } from './generator/bulk'
import { prepareDatabase } from './generator/setup'
import { round, timed, writeResult } from './lib'
import { productionPages, startPageServer, type Load } from './page-server'
import { transparencyShape } from './transparency-data'

const DONATIONS = Number(process.env.BENCH_PG_DONATIONS ?? 1_000_000)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1500)
const CONCURRENCY = 4

export async function run() {
  if (!findPostgresBin())
    throw new Error('transparency-pg needs PostgreSQL binaries (initdb, pg_ctl): install postgresql or set PG_BIN')
  productionPages()
  const cluster = await startCluster()
  try {
    const database = await createPgDatabase(cluster.url, 'transparency')
    const setup = createDatabase(database.url, { poolSize: 2 }).db
    await prepareDatabase(setup, new Date('2025-01-01T00:00:00Z'))
    await setup.destroy()
    const built = await timed(() => bulkGenerate(database.url, transparencyShape(DONATIONS)))
    console.log(
      `loaded ${built.value.donations} donations and ${built.value.awards} awards into PostgreSQL in ${built.seconds.toFixed(1)} s`,
    )
    const { db } = createDatabase(database.url, { poolSize: 10 })
    const verified = await timed(() => verifyLedger(db))
    if (!verified.value.ok) throw new Error(`bench data does not verify: ${JSON.stringify(verified.value.firstError)}`)
    console.log(`verifyLedger: ok over ${verified.value.transactions} transactions in ${verified.seconds.toFixed(1)} s`)
    const folded = await timed(() => getSummary(db, { batch: 20_000 }))
    const size = await sql<{ n: number }>`select pg_database_size(current_database()) as n`.execute(db)
    const server = await startPageServer(db)
    const check = (name: string, l: Load) => {
      if (l.failures) throw new Error(`${name}: ${l.failures} requests failed`)
      return l
    }
    const times = (p: string, n = REQUESTS) => Array.from({ length: n }, () => p)
    try {
      await server.load(times('/transparency', 100), CONCURRENCY)
      await server.load(times('/__bench/trivial', 100), CONCURRENCY)
      const trivial = check('trivial', await server.load(times('/__bench/trivial'), CONCURRENCY))
      const page = check('transparency', await server.load(times('/transparency'), CONCURRENCY))
      const trivialSeq = check('trivial sequential', await server.load(times('/__bench/trivial', 400), 1))
      const pageSeq = check('transparency sequential', await server.load(times('/transparency', 400), 1))
      const head = built.value.head
      const depth = Math.min(900_000, head - 4000)
      const deep = check(
        'ledger deep',
        await server.load(
          Array.from({ length: 400 }, (_, i) => `/ledger?before=${head - depth + (i % 500) * 7}`),
          1,
        ),
      )
      const codes = built.value.trackingCodes
      const traces = check(
        'trace',
        await server.load(
          Array.from({ length: 400 }, (_, i) => `/trace/${codes[(i * 7919) % codes.length]}`),
          1,
        ),
      )
      writeResult('transparency-page-pg', {
        name: `/transparency pages per second at ${DONATIONS.toLocaleString('en')} donations (PostgreSQL)`,
        value: page.perSecond,
        unit: 'req/s',
        baseline: {
          name: 'trivial Remix page (root layout, one-line loader), same server and run',
          value: trivial.perSecond,
        },
        notes: {
          donations: DONATIONS,
          awards: built.value.awards,
          concurrency: CONCURRENCY,
          requests: REQUESTS,
          serverP95ms: round(pageSeq.serverP95, 2),
          trivialServerP95ms: round(trivialSeq.serverP95, 2),
          underLoadServerP95ms: round(page.serverP95, 2),
          ledgerDeepServerP95ms: round(deep.serverP95, 2),
          traceServerP95ms: round(traces.serverP95, 2),
          ...server.memory(),
          data: {
            loadSeconds: round(built.seconds, 1),
            verifySeconds: round(verified.seconds, 1),
            foldSeconds: round(folded.seconds, 1),
            databaseMb: Math.round(Number(size.rows[0]!.n) / 2 ** 20),
          },
          postgres:
            'throwaway PG cluster (tests/support/postgres-cluster.ts): fsync=off, synchronous_commit=off, same machine',
          goal: 'as SQLite: ratio >= 0.6, server p95 < 30 ms',
        },
      })
    } finally {
      await server.close()
      await db.destroy()
      await database.drop()
    }
  } finally {
    cluster.stop()
  }
}

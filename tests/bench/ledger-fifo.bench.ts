// The million-lot ledger: 1,000,000 donations built in bulk (then verified), an award
// batch of 10,000 students drawing FIFO over them, verify over the whole ledger in a
// separate process (time and peak RSS), and one donation's trace (p95).
// Writes ledger-fifo.json and ledger-trace.json (and checks the ledger verifies after the batch).
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { sql, type Kysely } from 'kysely'
import { postAward, postAwards } from '../../app/modules/ledger/awards.server'
import { getDonationTrace } from '../../app/modules/ledger/queries.server'
import { createDatabase } from '../../app/utils/db.server'
import { BENCH_FUND, buildLots } from './ledger-data'
import { benchDir, dataDir, percentile, prng, timed, writeResult } from './lib'

const LOTS = Number(process.env.BENCH_LOTS ?? 1_000_000)
const STUDENTS = Number(process.env.BENCH_STUDENTS ?? 10_000)
const AWARD = 80_000
const exec = promisify(execFile)

type Verified = {
  ok: boolean
  transactions: number
  seconds: number
  maxRssMb: number
  baselineSeconds: number
  baselineRows: number
  firstError?: unknown
}

async function verifyInChild(file: string): Promise<Verified> {
  const child = path.join(benchDir, 'ledger-verify-child.ts')
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', child, file], {
    maxBuffer: 1 << 20,
    timeout: 600_000,
  })
  return JSON.parse(stdout) as Verified
}

export async function run() {
  fs.mkdirSync(dataDir, { recursive: true })
  const base = path.join(dataDir, `ledger-${LOTS}-base.db`)
  const work = path.join(dataDir, `ledger-${LOTS}-work.db`)
  if (!fs.existsSync(base) || process.env.BENCH_REBUILD) {
    const built = await timed(() => buildLots(`${base}.tmp`, LOTS))
    console.log(
      `built ${LOTS} donation lots in bulk in ${built.seconds.toFixed(1)} s; verifying the bulk-built ledger…`,
    )
    const check = await verifyInChild(`${base}.tmp`)
    if (!check.ok) throw new Error(`bulk-built ledger does not verify: ${JSON.stringify(check.firstError)}`)
    fs.renameSync(`${base}.tmp`, base)
  }
  for (const f of [work, `${work}-wal`, `${work}-shm`]) fs.rmSync(f, { force: true })
  fs.copyFileSync(base, work)

  const { db } = createDatabase(`sqlite:${work}`)
  try {
    // Award batch: one database transaction, STUDENTS awards (each its own ledger
    // transaction), drawing lots oldest first, planned and written set-wise by postAwards.
    const at = '2026-09-01T00:00:00.000Z'
    const input = (i: number) => ({
      idempotencyKey: `bench:award:${i}`,
      fund: BENCH_FUND,
      beneficiaryId: i,
      beneficiaryCode: `HP-530627-${i}`,
      amount: AWARD,
      currency: 'CNY',
      occurredAt: at,
      refs: { programme: 'sunshine-bursary', term: '2026-autumn' },
    })
    const awards = await timed(() =>
      db.transaction().execute((trx) =>
        postAwards(
          trx,
          Array.from({ length: STUDENTS }, (_, i) => input(i + 1)),
        ),
      ),
    )
    // For comparison, the first 1,000 more posted one by one with postAward (also one transaction).
    const single = await timed(() =>
      db.transaction().execute(async (trx) => {
        for (let i = STUDENTS + 1; i <= STUDENTS + 1000; i++) await postAward(trx, input(i))
      }),
    )
    const traces = await db
      .selectFrom('ledger_traces')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    const raw = db as unknown as Kysely<any>
    await sql`create table bench_plain (id integer primary key, k text not null unique, amount integer not null)`.execute(
      raw,
    )
    const bare = await timed(() =>
      raw.transaction().execute(async (trx) => {
        for (let i = 1; i <= STUDENTS; i++)
          await trx
            .insertInto('bench_plain')
            .values({ k: `award-${i}`, amount: AWARD })
            .execute()
      }),
    )
    await sql`drop table bench_plain`.execute(raw)
    writeResult('ledger-fifo', {
      name: `postAwards: ${STUDENTS} students drawing FIFO over ${LOTS} lots, one database transaction (SQLite)`,
      value: awards.seconds,
      unit: 's',
      baseline: { name: `${STUDENTS} bare single-row inserts, one transaction (same database)`, value: bare.seconds },
      notes: {
        goalSeconds: 10,
        lots: LOTS,
        students: STUDENTS,
        awardMinor: AWARD,
        traceRows: Number(traces.n),
        perAwardMs: (awards.seconds * 1000) / STUDENTS,
        oneByOnePostAwardMsEach: (single.seconds * 1000) / 1000,
      },
    })

    // One donation's trace: half among awarded donations, half anywhere in the million.
    const random = prng(7)
    const drawnUpTo = Math.min(LOTS, Number(traces.n))
    const refs = Array.from({ length: 2000 }, (_, i) => `D-B${1 + Math.floor(random() * (i % 2 ? LOTS : drawnUpTo))}`)
    for (const ref of refs.slice(0, 200)) await getDonationTrace(db, ref)
    const traceMs: number[] = []
    let shares = 0
    for (const ref of refs) {
      const t = await timed(() => getDonationTrace(db, ref))
      traceMs.push(t.seconds * 1000)
      shares += t.value?.shares.length ?? 0
    }
    const lookupMs: number[] = []
    for (const ref of refs)
      lookupMs.push(
        (
          await timed(() =>
            db.selectFrom('ledger_donations').selectAll().where('donation_ref', '=', ref).executeTakeFirst(),
          )
        ).seconds * 1000,
      )
    writeResult('ledger-trace', {
      name: `getDonationTrace p95 at ${LOTS} donations (SQLite)`,
      value: percentile(traceMs, 95),
      unit: 'ms',
      baseline: { name: 'single-row lookup of the donation by public id, p95', value: percentile(lookupMs, 95) },
      notes: {
        goalP95Ms: 10,
        samples: refs.length,
        p50Ms: percentile(traceMs, 50),
        p99Ms: percentile(traceMs, 99),
        sharesSeen: shares,
      },
    })
  } finally {
    await db.destroy()
  }

  const verified = await verifyInChild(work)
  if (!verified.ok)
    throw new Error(`ledger does not verify after the award batch: ${JSON.stringify(verified.firstError)}`)
  // ledger-verify.json is written by the transparency bench (the 1,000,000-donation ledger with its awards).
  console.log(
    `verifyLedger after the award batch: ok over ${verified.transactions} in ${verified.seconds.toFixed(1)} s`,
  )
}

// npm run bench:generate -- --db <sqlite:path|postgres://…> --donations N --students M --awards K [--mode modules|bulk] [--seed S]
//
// Fills a database (migrated, and demo-seeded first if empty) with N more donations to a
// campaign of its own, M more students and K awards from that campaign, then checks the
// invariants (verifyLedger, books net to zero, no negative fund or payable, counts as
// requested), prints the figures, and exits 1 when a check fails.
//  modules (default): through the application's modules — both dialects, moderate sizes.
//  bulk: the same rows computed and written in large transactions (generator/bulk.ts).
import { pathToFileURL } from 'node:url'
import { createDatabase } from '../../app/utils/db.server'
import { bulkGenerate } from './generator/bulk'
import { checkInvariants, databaseBytes, snapshot, type CheckResult } from './generator/checks'
import { modulesGenerate } from './generator/modules'
import { prepareDatabase, type Mode, type Sizes } from './generator/setup'
import { round } from './lib'

export type GenerateOptions = Sizes & { url: string; mode: Mode; seed: number }
export type GenerateReport = CheckResult & {
  mode: Mode
  requested: Sizes
  campaignId: number
  seconds: number
  rowsPerSecond: number
  donationsPerSecond: number
  databaseMb: number
}

export async function generate(options: GenerateOptions): Promise<GenerateReport> {
  for (const k of ['donations', 'students', 'awards', 'seed'] as const) {
    if (!Number.isSafeInteger(options[k]) || options[k] < 0)
      throw new Error(`--${k} must be a whole number, not ${options[k]}`)
  }
  // The modules read these through getEnv(); a bare shell need not set them.
  process.env.NODE_ENV ??= 'development'
  process.env.BASE_URL ??= 'http://127.0.0.1:3000'
  const requested: Sizes = { donations: options.donations, students: options.students, awards: options.awards }
  const first = createDatabase(options.url, { poolSize: 4 }).db
  let open = true
  const close = async () => {
    if (open) await first.destroy()
    open = false
  }
  let before
  let campaignId: number
  let seconds: number
  try {
    await prepareDatabase(first)
    before = await snapshot(first)
    const t0 = process.hrtime.bigint()
    if (options.mode === 'modules')
      campaignId = (await modulesGenerate(first, { ...requested, seed: options.seed })).campaignId
    else {
      // Bulk writes through a connection of its own: this pool must not hold the SQLite file meanwhile.
      await close()
      campaignId = (await bulkGenerate(options.url, { ...requested, seed: options.seed, receipts: true })).campaignId
    }
    seconds = Number(process.hrtime.bigint() - t0) / 1e9
  } finally {
    await close()
  }
  const db = createDatabase(options.url, { poolSize: 4 }).db
  try {
    // The campaign is new: none of its donations were counted before.
    const checked = await checkInvariants(db, requested, { ...before, paidDonations: 0 }, campaignId)
    return {
      ...checked,
      mode: options.mode,
      requested,
      campaignId,
      seconds: round(seconds),
      rowsPerSecond: Math.round(checked.rowsWritten / seconds),
      donationsPerSecond: Math.round(options.donations / seconds),
      databaseMb: round((await databaseBytes(db, options.url)) / 2 ** 20, 1),
    }
  } finally {
    await db.destroy()
  }
}

function parseArgs(argv: string[]): GenerateOptions {
  const args = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`)
    const [name, inline] = a.slice(2).split(/=(.*)/s)
    args.set(name!, inline ?? argv[++i] ?? '')
  }
  const known = new Set(['db', 'donations', 'students', 'awards', 'mode', 'seed'])
  for (const k of args.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`)
  const url = args.get('db')
  if (!url || !/^(sqlite:|file:|postgres(ql)?:\/\/)/.test(url))
    throw new Error('--db sqlite:<path> or postgres://… is required')
  const mode = (args.get('mode') ?? 'modules') as Mode
  if (mode !== 'modules' && mode !== 'bulk') throw new Error(`--mode modules or bulk, not ${mode}`)
  const num = (k: string, fallback?: number) => {
    const v = args.get(k)
    if (v === undefined) {
      if (fallback === undefined) throw new Error(`--${k} is required`)
      return fallback
    }
    return Number(v)
  }
  return {
    url,
    mode,
    donations: num('donations'),
    students: num('students'),
    awards: num('awards'),
    seed: num('seed', 1),
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const options = parseArgs(process.argv.slice(2))
    const r = await generate(options)
    console.log(
      `${r.mode}: ${options.donations} donations, ${options.students} students, ${options.awards} awards into ${options.url.replace(/\/\/[^@/]*@/, '//…@')} (campaign ${r.campaignId})`,
    )
    console.log(
      `  ${r.seconds} s · ${r.rowsPerSecond} rows/s (${r.rowsWritten} rows) · ${r.donationsPerSecond} donations/s · database ${r.databaseMb} MB`,
    )
    console.log(`  verifyLedger over ${r.transactions} transactions in ${round(r.verifySeconds, 1)} s`)
    if (!r.ok) {
      for (const f of r.failures) console.error(`  FAILED ${f}`)
      process.exit(1)
    }
    console.log('  checks: ledger verifies, books net to zero, no negative fund or payable, counts as requested')
  } catch (e) {
    console.error(e instanceof Error ? e.message : e)
    process.exit(1)
  }
}

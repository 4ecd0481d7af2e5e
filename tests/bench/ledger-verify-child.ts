// Runs in its own process so that its peak RSS is the verifier's alone.
// argv: <sqlite file>. Prints {"ok","transactions","seconds","maxRssMb","startRssMb","scanSeconds","scanRows","baselineSeconds","baselineRows","firstError"}.
import SQLite from 'better-sqlite3'
import { verifyLedger } from '../../app/modules/ledger/verify.server'
import { createDatabase } from '../../app/utils/db.server'

const file = process.argv[2]!
const startRss = process.memoryUsage().rss
let maxRss = startRss
const sample = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 20)

const { db } = createDatabase(`sqlite:${file}`)
let start = process.hrtime.bigint()
const result = await verifyLedger(db, {
  batchSize: Number(process.env.VERIFY_BATCH ?? 0) || undefined,
  onProgress: () => (maxRss = Math.max(maxRss, process.memoryUsage().rss)),
})
const seconds = Number(process.hrtime.bigint() - start) / 1e9
clearInterval(sample)
maxRss = Math.max(maxRss, process.memoryUsage().rss)
await db.destroy()

// Baselines, after the measurement, in the same process: a raw scan (better-sqlite3, rows as
// it returns them by default, no checks) of every row verify reads — and, as measured before,
// of the transactions and transfers alone.
const raw = new SQLite(file, { readonly: true })
const scan = (tables: string[]) => {
  const t0 = process.hrtime.bigint()
  let n = 0
  for (const t of tables) for (const _ of raw.prepare(`select * from ${t}`).iterate()) n++
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, rows: n }
}
const all = scan([
  'ledger_transactions',
  'ledger_transfers',
  'ledger_traces',
  'ledger_disclosures',
  'ledger_lots',
  'ledger_lot_balances',
  'ledger_donations',
  'ledger_trace_balances',
])
start = process.hrtime.bigint()
let rows = 0
for (const _ of raw.prepare('select * from ledger_transactions order by sequence').iterate()) rows++
for (const _ of raw.prepare('select * from ledger_transfers order by sequence, position').iterate()) rows++
const baselineSeconds = Number(process.hrtime.bigint() - start) / 1e9
raw.close()
process.stdout.write(
  JSON.stringify({
    ok: result.ok,
    transactions: result.transactions,
    seconds,
    maxRssMb: maxRss / 2 ** 20,
    startRssMb: startRss / 2 ** 20,
    baselineSeconds,
    baselineRows: rows,
    scanSeconds: all.seconds,
    scanRows: all.rows,
    firstError: result.firstError,
  }),
)

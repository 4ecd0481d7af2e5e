// Child of transparency.bench.ts: the export module alone (what /open-data/<file> streams)
// into a counting sink, with its peak RSS; then, for a baseline, a bare keyset scan of the
// same rows with better-sqlite3 (no formatting). The HTTP download is transparency-export-http.mjs.
import SQLite from 'better-sqlite3'
import { EXPORT_DATASETS, exportLines } from '../../app/modules/transparency/opendata.server'
import { createDatabase } from '../../app/utils/db.server'

// Peak RSS sampled here: getrusage's maxrss would carry the forking parent's high-water mark.
let peakRss = 0
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss))
const sampler = setInterval(sample, 20)
sampler.unref()
const file = process.argv[2]!
const { db } = createDatabase(`sqlite:${file}`)
const rssStartMb = process.memoryUsage().rss / 2 ** 20
const a0 = process.hrtime.bigint()
let moduleBytes = 0
for (const dataset of EXPORT_DATASETS) {
  for await (const chunk of exportLines(db, { dataset, format: 'csv' })) {
    moduleBytes += Buffer.byteLength(chunk)
    sample()
  }
}
const moduleSeconds = Number(process.hrtime.bigint() - a0) / 1e9
const moduleMaxRssMb = (sample(), peakRss / 2 ** 20)
await db.destroy()

const raw = new SQLite(file, { readonly: true })
const s0 = process.hrtime.bigint()
let scanned = 0
for (const [table, key] of [
  ['ledger_accounts', 'id'],
  ['ledger_transactions', 'sequence'],
  ['ledger_transfers', 'id'],
  ['ledger_donations', 'id'],
  ['ledger_lots', 'id'],
  ['ledger_traces', 'id'],
] as const) {
  const stmt = raw.prepare(`select * from ${table} where ${key} > ? order by ${key} limit 1000`)
  let cursor = 0
  for (;;) {
    const batch = stmt.all(cursor) as Record<string, number>[]
    if (!batch.length) break
    scanned += batch.length
    cursor = batch[batch.length - 1]![key]!
  }
}
const scanSeconds = Number(process.hrtime.bigint() - s0) / 1e9
raw.close()
console.log(JSON.stringify({ rssStartMb, moduleSeconds, moduleBytes, moduleMaxRssMb, scanSeconds, scanned }))

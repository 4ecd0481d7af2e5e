// Child of transparency.bench.ts: serve the Remix build on the bench database and
// download every open-data file over HTTP, discarding the bytes; report time and peak RSS.
// Then, for a baseline, a bare keyset scan of the same rows with better-sqlite3.
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import SQLite from 'better-sqlite3'
import express from 'express'
import { EXPORT_DATASETS, exportLines } from '../../app/modules/transparency/opendata.server'
import { createDatabase, setDb } from '../../app/utils/db.server'

const file = process.argv[2]!
Object.assign(process.env, { NODE_ENV: 'production', SESSION_SECRET: 'bench-session-secret-bench-session-secret-0', BASE_URL: 'http://127.0.0.1:3999' })
const { db } = createDatabase(`sqlite:${file}`)
setDb(db)

// A. The export module alone (what the route streams), into a counting sink.
const rssStartMb = process.memoryUsage().rss / 1024 / 1024
const a0 = process.hrtime.bigint()
let moduleBytes = 0
for (const dataset of EXPORT_DATASETS) {
  for await (const chunk of exportLines(db, { dataset, format: 'csv' })) moduleBytes += Buffer.byteLength(chunk)
}
const moduleSeconds = Number(process.hrtime.bigint() - a0) / 1e9
const moduleMaxRssMb = process.resourceUsage().maxRSS / 1024

// B. The same over HTTP through the Remix build.
const build = (await import(pathToFileURL(path.resolve('build/index.js')).href)) as ServerBuild
const app = express()
app.all('*', createRequestHandler({ build, mode: 'production' }))
const server = await new Promise<import('node:http').Server>((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s))
})
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

// Warm the server (first render loads the route modules), then note the RSS before the export.
await (await fetch(`${base}/open-data/accounts.csv`)).text()
const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024
let bytes = 0
let rows = 0
let peakHeapMb = 0
const t0 = process.hrtime.bigint()
for (const dataset of ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces']) {
  const res = await fetch(`${base}/open-data/${dataset}.csv`)
  if (res.status !== 200) throw new Error(`${dataset}: ${res.status}`)
  const reader = res.body!.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    bytes += value.byteLength
    if ((rows & 0xffff) === 0) peakHeapMb = Math.max(peakHeapMb, process.memoryUsage().heapUsed / 1024 / 1024)
    for (let i = 0; i < value.length; i++) if (value[i] === 10) rows++
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
const maxRssMb = process.resourceUsage().maxRSS / 1024
server.close()
await db.destroy()

const raw = new SQLite(file, { readonly: true })
const s0 = process.hrtime.bigint()
let scanned = 0
for (const [table, key] of [['ledger_accounts', 'id'], ['ledger_transactions', 'sequence'], ['ledger_transfers', 'id'], ['ledger_donations', 'id'], ['ledger_lots', 'id'], ['ledger_traces', 'id']] as const) {
  const stmt = raw.prepare(`select * from ${table} where ${key} > ? order by ${key} limit 5000`)
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
console.log(JSON.stringify({ seconds, bytes, rows, maxRssMb, rssBeforeMb, peakHeapMb, scanSeconds, scanned, rssStartMb, moduleSeconds, moduleBytes, moduleMaxRssMb }))

// Child of transparency.bench.ts, plain Node (no TypeScript loader), as production runs:
// serve the Remix build on the bench database (DATABASE_URL) and download every
// open-data file over HTTP, discarding the bytes; report time and the server's peak RSS.
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { createRequestHandler } from '@remix-run/express'
import express from 'express'

// Peak RSS sampled here: getrusage's maxrss would carry the forking parent's high-water mark.
let peakRss = 0
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss))
const sampler = setInterval(sample, 20)
sampler.unref()
const build = await import(pathToFileURL(path.resolve('build/index.js')).href)
const app = express()
app.all('*', createRequestHandler({ build, mode: 'production' }))
const server = await new Promise((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s))
})
const base = `http://127.0.0.1:${server.address().port}`
await (await fetch(`${base}/open-data/accounts.csv`)).text()
const rssBeforeMb = process.memoryUsage().rss / 2 ** 20
let bytes = 0
let rows = 0
const t0 = process.hrtime.bigint()
for (const dataset of ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces']) {
  const res = await fetch(`${base}/open-data/${dataset}.csv`)
  if (res.status !== 200) throw new Error(`${dataset}: ${res.status}`)
  const reader = res.body.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    bytes += value.byteLength
    sample()
    for (let i = 0; i < value.length; i++) if (value[i] === 10) rows++
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
server.close()
console.log(JSON.stringify({ seconds, bytes, rows, maxRssMb: (sample(), peakRss / 2 ** 20), rssBeforeMb }))
process.exit(0)

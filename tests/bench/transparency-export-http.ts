// Child of transparency.bench.ts (node --import tsx, as `npm start` runs): the production
// server (app/cli/server.ts: compression, security headers, the backpressured body writer)
// on the bench database (DATABASE_URL). Downloads every open-data file over HTTP as a bulk
// downloader does (no Accept-Encoding), discarding the bytes; then one reader taking the
// transactions file at 1 MB/s for a while. Reports time and this server's peak RSS in each.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer } from '../../app/cli/server'

// Peak RSS sampled here: getrusage's maxrss would carry the forking parent's high-water mark.
let peakRss = 0
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss))
const sampler = setInterval(sample, 20)
sampler.unref()
const SLOW_SECONDS = Number(process.env.BENCH_SLOW_SECONDS ?? 15)
const SLOW_RATE = 1 << 20

const app = await createServer()
const server = await new Promise<http.Server>((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s))
})
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const identity = { headers: { 'Accept-Encoding': 'identity' } }
await (await fetch(`${base}/open-data/accounts.csv`, identity)).text()
const rssBeforeMb = process.memoryUsage().rss / 2 ** 20
let bytes = 0
let rows = 0
const t0 = process.hrtime.bigint()
for (const dataset of ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces']) {
  const res = await fetch(`${base}/open-data/${dataset}.csv`, identity)
  if (res.status !== 200) throw new Error(`${dataset}: ${res.status}`)
  const reader = res.body!.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    bytes += value.byteLength
    sample()
    for (let i = 0; i < value.length; i++) if (value[i] === 10) rows++
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
const fastPeakMb = (sample(), peakRss / 2 ** 20)

// The slow reader: the socket is paused whenever it is ahead of 1 MB/s.
peakRss = process.memoryUsage().rss
const slow = await new Promise<{ bytes: number; seconds: number }>((resolve, reject) => {
  const started = Date.now()
  let got = 0
  const req = http.get(`${base}/open-data/transactions.csv`, (res) => {
    res.on('data', (chunk: Buffer) => {
      got += chunk.length
      const elapsed = (Date.now() - started) / 1000
      if (elapsed >= SLOW_SECONDS) {
        req.destroy()
        resolve({ bytes: got, seconds: elapsed })
        return
      }
      const ahead = got / SLOW_RATE - elapsed
      if (ahead > 0) {
        res.pause()
        setTimeout(() => res.resume(), ahead * 1000)
      }
    })
    res.on('error', () => undefined)
  })
  req.on('error', (e) => (got ? undefined : reject(e)))
})
const slowPeakMb = (sample(), peakRss / 2 ** 20)
server.close()
console.log(
  JSON.stringify({
    seconds,
    bytes,
    rows,
    maxRssMb: fastPeakMb,
    rssBeforeMb,
    slowReaderPeakRssMb: slowPeakMb,
    slowReaderBytes: slow.bytes,
    slowReaderSeconds: slow.seconds,
  }),
)
process.exit(0)

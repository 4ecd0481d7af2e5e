// Child of transparency.bench.ts (plain node, as `npm start` serves): the production server
// (build/server.js, app/cli/server.ts compiled: compression, security headers, the backpressured body writer)
// on the bench database (DATABASE_URL). A client process downloads every open-data file over
// HTTP as a bulk downloader does, then another reads the transactions file at 1 MB/s for a
// while (export-client.mjs). Reports the time and this server's peak RSS in each.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { createServer } from '../../build/server.js'

// Peak RSS sampled here: getrusage's maxrss would carry the forking parent's high-water mark.
// The reader is a process of its own (export-client.mjs), so this is the server's alone.
let peakRss = 0
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss))
const sampler = setInterval(sample, 20)
sampler.unref()
const SLOW_SECONDS = Number(process.env.BENCH_SLOW_SECONDS ?? 15)

const app = await createServer()
const server = await new Promise((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s))
})
const base = `http://127.0.0.1:${server.address().port}`
const client = async (...args) => {
  const script = path.join(import.meta.dirname, 'export-client.mjs')
  const { stdout } = await promisify(execFile)(process.execPath, [script, ...args], { maxBuffer: 1 << 20 })
  return JSON.parse(stdout.trim())
}
await (await fetch(`${base}/open-data/accounts.csv`, { headers: { 'Accept-Encoding': 'identity' } })).text()
const rssBeforeMb = process.memoryUsage().rss / 2 ** 20
peakRss = 0
const fast = await client('fast', base)
const fastPeakMb = (sample(), peakRss / 2 ** 20)

peakRss = process.memoryUsage().rss
const slow = await client('slow', base, String(SLOW_SECONDS))
const slowPeakMb = (sample(), peakRss / 2 ** 20)
server.close()
console.log(
  JSON.stringify({
    seconds: fast.seconds,
    bytes: fast.bytes,
    rows: fast.rows,
    maxRssMb: fastPeakMb,
    rssBeforeMb,
    slowReaderPeakRssMb: slowPeakMb,
    slowReaderBytes: slow.bytes,
    slowReaderSeconds: slow.seconds,
  }),
)
process.exit(0)

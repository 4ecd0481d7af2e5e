// Client of transparency-export-http.ts, a process of its own so that the server's RSS is
// the server's alone (in one process, fetch's buffers counted as the server's). Plain node,
// no tsx. `fast <base>`: every open-data file, as a bulk downloader does (no Accept-Encoding),
// counting bytes and lines; `slow <base> <seconds>`: the transactions file at 1 MB/s, the
// socket paused whenever it is ahead. Prints one JSON line.
import http from 'node:http'

const [mode, base, seconds] = process.argv.slice(2)
const SLOW_RATE = 1 << 20

async function fast() {
  let bytes = 0
  let rows = 0
  const t0 = process.hrtime.bigint()
  for (const dataset of ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces']) {
    const res = await fetch(`${base}/open-data/${dataset}.csv`, { headers: { 'Accept-Encoding': 'identity' } })
    if (res.status !== 200) throw new Error(`${dataset}: ${res.status}`)
    for await (const value of res.body) {
      bytes += value.byteLength
      for (let i = 0; i < value.length; i++) if (value[i] === 10) rows++
    }
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes, rows }
}

function slow(limitSeconds) {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    let got = 0
    const req = http.get(`${base}/open-data/transactions.csv`, (res) => {
      res.on('data', (chunk) => {
        got += chunk.length
        const elapsed = (Date.now() - started) / 1000
        if (elapsed >= limitSeconds) {
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
}

const out = mode === 'fast' ? await fast() : await slow(Number(seconds))
console.log(JSON.stringify(out))

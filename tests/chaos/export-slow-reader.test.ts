// A slow reader of a large open-data file must not make the server buffer the file: the
// server (the production entry, its own process) writes the next batch only once the
// socket drained. The ledger here is padded with ~130 MB of transactions; a client reads
// a little, stops reading, then reads slowly; the server's RSS must stay far below the
// file's size. No timing is asserted: a slow machine only makes the server produce less.
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabase } from '../../app/utils/db.server'
import { prepareAppDatabase, startApp, type AppProcess } from './support/cluster'

const PADDED = 300_000
const REFS_BYTES = 300

function rssMb(pid: number | undefined): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

describe.skipIf(process.platform !== 'linux')('open-data export to a slow reader', () => {
  let dir: string
  let app: AppProcess
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-slow-reader-'))
    const url = `sqlite:${path.join(dir, 'app.db')}`
    await prepareAppDatabase(url)
    // Rows appended after the head (the export streams rows, it does not check the chain):
    // refs of ~300 bytes each make transactions.csv ~130 MB.
    const { db } = createDatabase(url)
    const pad = 'x'.repeat(REFS_BYTES)
    await sql`
      with recursive n(i) as (select 1 union all select i + 1 from n where i < ${PADDED})
      insert into ledger_transactions (sequence, idempotency_key, kind, occurred_at, recorded_at, refs, request_digest, prev_hash, hash, version)
      select 1000000 + i, 'pad:' || i, 'donation', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
        '{"note":"' || ${pad} || '"}', 'pad', 'pad', 'pad' || i, 1
      from n`.execute(db)
    await db.destroy()
    app = await startApp({ databaseUrl: url, name: 'slow-reader' })
  })
  afterAll(async () => {
    await app?.stop()
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  it('keeps the server memory flat while the client reads slowly, and stops when it leaves', async () => {
    // Warm the route (and the server's heap) on a small file first.
    expect((await fetch(`${app.url}/open-data/accounts.csv`)).status).toBe(200)
    const before = rssMb(app.pid)
    let peak = before
    let got = 0
    let head = ''
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${app.url}/open-data/transactions.csv`, (res) => {
        expect(res.statusCode).toBe(200)
        let phase = 0
        res.on('data', (chunk: Buffer) => {
          if (!head) head = chunk.subarray(0, 40).toString()
          got += chunk.length
          if (phase === 0 && got > 256 * 1024) {
            phase = 1
            // Stop reading for two seconds, then take 256 kB every 200 ms for two seconds.
            res.pause()
            const sample = setInterval(() => (peak = Math.max(peak, rssMb(app.pid))), 50)
            setTimeout(() => {
              const slow = setInterval(() => {
                res.resume()
                setTimeout(() => res.pause(), 20)
              }, 200)
              setTimeout(() => {
                clearInterval(slow)
                clearInterval(sample)
                req.destroy()
                resolve()
              }, 2_000)
            }, 2_000)
          }
        })
        res.on('error', () => undefined)
      })
      req.on('error', (e) => (got ? undefined : reject(e)))
    })
    expect(head.startsWith('sequence,kind,occurred_at,refs')).toBe(true)
    // The file is ~130 MB; a server that buffered it would have grown by most of it. One that
    // waits for the socket grows by its batches and the GC's slack: 30–43 MB measured.
    const fileMb = (PADDED * (REFS_BYTES + 150)) / 2 ** 20
    expect(peak - before).toBeLessThan(fileMb / 2)
    // The server is still well and serves the next request (the abandoned export stopped).
    expect((await fetch(`${app.url}/open-data/accounts.csv`)).status).toBe(200)
  })
})

// npx tsx tests/bench/page-profile.ts [trace|ledger|ledger-deep|transaction|transparency|trivial] — where a public
// page's server milliseconds go at 1,000,000 donations: the real Remix build serves the page
// sequentially under the V8 CPU profiler (node:inspector), and the self time is summed by
// part (SQLite, Kysely, React's renderer, Remix, the app's own modules, GC, …) and by function.
// It reuses the transparency bench's database (npm run bench transparency builds it).
import fs from 'node:fs'
import { Session } from 'node:inspector/promises'
import os from 'node:os'
import path from 'node:path'
import { createDatabase } from '../../app/utils/db.server'
import { productionPages, startPageServer } from './page-server'
import { dataset } from './transparency.bench'

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const KIND = process.argv[2] ?? 'trace'
const REQUESTS = Number(process.env.PROFILE_REQUESTS ?? 400)

/** The part of the stack a sampled frame belongs to, by where its code lives. */
function partOf(frame: Node['callFrame']): string {
  const { url, functionName } = frame
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC'
    if (functionName === '(idle)') return 'idle'
    if (functionName === '(program)') return 'V8/native (program)'
    return `native: ${functionName || '(anonymous)'}`
  }
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m) return m[1]!
  if (url.startsWith('node:')) return 'node core'
  if (url.includes('/build/')) return 'app (Remix build)'
  return `app: ${path.relative(process.cwd(), url.replace(/^file:\/\//, ''))}`
}

function summarise(p: Profile, wallMs: number) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + p.timeDeltas[i]!)
  const parts = new Map<string, number>()
  const fns = new Map<string, number>()
  let total = 0
  for (const [id, us] of self) {
    const n = byId.get(id)!
    const part = partOf(n.callFrame)
    if (part === 'idle') continue
    total += us
    parts.set(part, (parts.get(part) ?? 0) + us)
    const name = `${n.callFrame.functionName || '(anonymous)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
    fns.set(name, (fns.get(name) ?? 0) + us)
  }
  const perRequest = (us: number) => (us / 1000 / REQUESTS).toFixed(2)
  console.log(
    `\n${KIND}: ${REQUESTS} requests, ${(wallMs / REQUESTS).toFixed(2)} ms wall each, CPU (not idle) ${perRequest(total)} ms each`,
  )
  console.log('\nby part (ms per request, share of CPU):')
  for (const [k, us] of [...parts].sort((a, b) => b[1] - a[1]).slice(0, 18))
    console.log(`  ${perRequest(us).padStart(6)}  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`)
  console.log('\nby function (self):')
  for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`  ${perRequest(us).padStart(6)}  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`)
}

async function main() {
  productionPages()
  const data = await dataset()
  // Each statement Kysely runs, timed (raw row reads bypass it): where the SQL time goes.
  const statements: { sql: string; ms: number }[] = []
  let logging = false
  const { db } = createDatabase(`sqlite:${data.file}`, {
    log: (e) => {
      if (logging) statements.push({ sql: e.query.sql.replace(/\s+/g, ' '), ms: e.queryDurationMillis })
    },
  })
  const server = await startPageServer(db)
  const codes = data.trackingCodes
  const pathOf: Record<string, (i: number) => string> = {
    trace: (i) => `/trace/${codes[(i * 7919) % codes.length]}`,
    ledger: () => '/ledger',
    'ledger-deep': (i) => `/ledger?before=${data.head - 900_000 + (i % 500) * 7}`,
    transaction: (i) => `/ledger/${1 + ((i * 104_729) % data.head)}`,
    transparency: () => '/transparency',
    trivial: () => '/__bench/trivial',
  }
  const of = pathOf[KIND]
  if (!of) throw new Error(`unknown page kind ${KIND}; known: ${Object.keys(pathOf).join(', ')}`)
  try {
    // Warm the pages and the JIT on other rows than the profiled ones.
    await server.load(
      Array.from({ length: 200 }, (_, i) => of(i + 10_000)),
      1,
    )
    const session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 100 })
    await session.post('Profiler.start')
    const t0 = performance.now()
    const load = await server.load(
      Array.from({ length: REQUESTS }, (_, i) => of(i)),
      1,
    )
    const wall = performance.now() - t0
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile }
    session.disconnect()
    if (load.failures) throw new Error(`${load.failures} requests failed`)
    const out = path.join(os.tmpdir(), `page-${KIND}.cpuprofile`)
    fs.writeFileSync(out, JSON.stringify(profile))
    console.log(
      `server p95 ${load.serverP95.toFixed(2)} ms, p50 ${load.p50.toFixed(2)} ms (profiler on); profile in ${out}`,
    )
    summarise(profile, wall)
    // A second pass without the profiler: the statements of each request, by their SQL.
    logging = true
    await server.load(
      Array.from({ length: REQUESTS }, (_, i) => of(i)),
      1,
    )
    logging = false
    const bySql = new Map<string, { n: number; ms: number }>()
    for (const st of statements) {
      const x = bySql.get(st.sql) ?? { n: 0, ms: 0 }
      x.n++
      x.ms += st.ms
      bySql.set(st.sql, x)
    }
    const total = statements.reduce((n, st) => n + st.ms, 0)
    console.log(
      `\nSQL through Kysely: ${(statements.length / REQUESTS).toFixed(1)} statements, ${(total / REQUESTS).toFixed(2)} ms per request`,
    )
    for (const [q, x] of [...bySql].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15))
      console.log(
        `  ${(x.ms / REQUESTS).toFixed(2).padStart(6)} ms  ×${(x.n / REQUESTS).toFixed(1)}  ${q.slice(0, 150)}`,
      )
  } finally {
    await server.close()
    await db.destroy()
  }
}

await main()

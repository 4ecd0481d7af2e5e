// The full run over several worker processes: contiguous seed ranges, one replay.ts child
// each (its own template, its own database copies), results merged. Every child is
// killed once the deadline and a grace period have passed, and all of them as soon as
// one shard fails.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { addCounts, type FuzzResult } from './fuzz'

const replay = path.join(path.dirname(fileURLToPath(import.meta.url)), 'replay.ts')
const GRACE_MS = 120_000

function shard(
  range: [number, number],
  env: NodeJS.ProcessEnv,
  deadlineMs: number,
  log: (line: string) => void,
  label: string,
  children: ChildProcess[],
): Promise<FuzzResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', replay, '--json', String(range[0]), String(range[1])], {
      env: { ...env, SCENARIO_DEADLINE_MS: String(deadlineMs) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let result: FuzzResult | undefined
    let tail = ''
    const onLine = (line: string) => {
      if (line.startsWith('SCENARIO_RESULT ')) result = JSON.parse(line.slice('SCENARIO_RESULT '.length)) as FuzzResult
      else if (line.trim()) log(`[${label}] ${line}`)
    }
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (tail + chunk.toString()).split('\n')
      tail = lines.pop()!
      lines.forEach(onLine)
    })
    child.stderr.on('data', (chunk: Buffer) => log(`[${label}] ${chunk.toString().trimEnd()}`))
    const killer = setTimeout(() => child.kill('SIGKILL'), deadlineMs + GRACE_MS)
    child.on('close', (code) => {
      clearTimeout(killer)
      if (tail) onLine(tail)
      if (result) resolve(result)
      else reject(new Error(`${label} (seeds ${range[0]}–${range[1]}) exited ${code} without a result`))
    })
  })
}

export async function fuzzSharded(
  seeds: number[],
  options: { workers: number; pgUrl?: string; deadlineMs: number; log?: (line: string) => void },
): Promise<FuzzResult> {
  const log = options.log ?? ((line: string) => console.log(line))
  const per = Math.ceil(seeds.length / options.workers)
  if (seeds.length === 0) throw new Error('no seeds to run: give at least one (SCENARIO_SEEDS)')
  const ranges: [number, number][] = []
  for (let i = 0; i < seeds.length; i += per) ranges.push([seeds[i]!, seeds[Math.min(i + per, seeds.length) - 1]!])
  const env = { ...process.env, ...(options.pgUrl ? { SCENARIO_PG_URL: options.pgUrl } : {}) }
  if (!options.pgUrl) delete env.SCENARIO_PG_URL
  const started = performance.now()
  const children: ChildProcess[] = []
  let parts: FuzzResult[]
  try {
    parts = await Promise.all(
      ranges.map((r, i) => shard(r, env, options.deadlineMs, log, `shard ${i + 1}/${ranges.length}`, children)),
    )
  } catch (error) {
    // One shard failed: the others' results no longer count, so they stop now.
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    throw error
  }
  const seconds = (performance.now() - started) / 1000
  const answers: Record<string, number> = {}
  const matching: Record<string, number> = {}
  for (const p of parts) {
    addCounts(answers, p.answers)
    addCounts(matching, p.matching)
  }
  const sum = (f: (p: FuzzResult) => number) => parts.reduce((n, p) => n + f(p), 0)
  const stopped = parts.filter((p) => p.stoppedAt).map((p) => p.stoppedAt)
  return {
    dialect: parts[0]!.dialect,
    seeds: seeds.length,
    ran: sum((p) => p.ran),
    steps: sum((p) => p.steps),
    restarts: sum((p) => p.restarts),
    seconds,
    perSecond: sum((p) => p.ran) / seconds,
    failures: parts.flatMap((p) => p.failures),
    answers,
    matching,
    stoppedAt: stopped.length ? stopped.join('; ') : undefined,
  }
}

// Shared bench helpers: timing, percentiles, and the results file each bench writes.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from '../../app/utils/env.server'

export const benchDir = path.dirname(fileURLToPath(import.meta.url))
export const dataDir = path.join(benchDir, 'data')
export const resultsDir = path.join(benchDir, 'results')

export type BenchResult = {
  name: string
  value: number
  unit: string
  baseline: { name: string; value: number }
  /** value / baseline.value */
  ratio: number
  at: string
  /** Anything else worth keeping beside the figure (sizes, goals, environment). */
  notes?: Record<string, unknown>
}

/** Write tests/bench/results/<bench>.json and print the figure beside its baseline. */
export function writeResult(bench: string, result: Omit<BenchResult, 'ratio' | 'at'>): BenchResult {
  const full: BenchResult = {
    name: result.name,
    value: round(result.value),
    unit: result.unit,
    baseline: { name: result.baseline.name, value: round(result.baseline.value) },
    ratio: round(result.value / result.baseline.value),
    at: new Date().toISOString(),
    // The machine is shared: its load says how much to trust the figure.
    notes: {
      ...result.notes,
      loadAverage1m: round(os.loadavg()[0]!, 2),
      cpus: os.cpus().length,
      node: process.version,
    },
  }
  fs.mkdirSync(resultsDir, { recursive: true })
  fs.writeFileSync(path.join(resultsDir, `${bench}.json`), `${JSON.stringify(full, null, 2)}\n`)
  console.log(
    `${bench}: ${full.name} = ${full.value} ${full.unit}  (baseline ${full.baseline.name} = ${full.baseline.value} ${full.unit}; ratio ${full.ratio})`,
  )
  return full
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ seconds: number; value: T }> {
  const start = process.hrtime.bigint()
  const value = await fn()
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value }
}

/** The p-th percentile (p from 0 to 100, nearest rank) of unsorted samples; NaN when there are none. */
export function percentile(samples: number[], p: number): number {
  if (!samples.length) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/**
 * Closed-loop load: `concurrency` workers take the items in order, each sending its next
 * as soon as the last answered. Returns each item's result and time (ms) in item order,
 * and the wall time. A send that throws yields `onError`'s result.
 */
export async function closedLoop<T, R>(
  items: T[],
  concurrency: number,
  send: (item: T) => Promise<R>,
  onError: (error: unknown) => R,
): Promise<{ results: R[]; latencies: number[]; seconds: number }> {
  const results = new Array<R>(items.length)
  const latencies = new Array<number>(items.length)
  let cursor = 0
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
      while (cursor < items.length) {
        const i = cursor++
        const t0 = process.hrtime.bigint()
        try {
          results[i] = await send(items[i]!)
        } catch (error) {
          results[i] = onError(error)
        }
        latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6
      }
    }),
  )
  return { results, latencies, seconds: Number(process.hrtime.bigint() - started) / 1e9 }
}

/** closedLoop's onError for loads where a network error must stop the bench. */
export const rethrow = (error: unknown): never => {
  throw error
}

/** Peak resident memory (VmHWM) in MB of a process (this one by default), where /proc exists; undefined once it is gone. */
export function vmHwmMb(pid: number | 'self' | undefined = 'self'): number | undefined {
  if (pid === undefined) return undefined
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Math.round(Number(m[1]) / 1024) : undefined
  } catch {
    return undefined
  }
}

/**
 * How many of the machine's cores were busy (not idle or waiting on I/O) from now until the
 * returned function is called, where /proc exists: a bench that runs every process on the
 * same cores shows with it whether it ran out of CPU or waited on something else.
 */
export function coresBusy(): () => number | undefined {
  const read = () => {
    try {
      const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
      return { total: f.reduce((a, b) => a + b, 0), idle: f[3]! + f[4]! }
    } catch {
      return undefined
    }
  }
  const start = read()
  return () => {
    const end = read()
    if (!start || !end || end.total === start.total) return undefined
    return round(os.cpus().length * (1 - (end.idle - start.idle) / (end.total - start.total)), 2)
  }
}

/** The group commit the app runs with here: FULFIL_BATCH_MAX and FULFIL_BATCH_WAIT_MS, or their defaults. */
export function groupCommitNote(): { batchMax: number; waitMs: number } {
  const env = parseEnv(process.env)
  return { batchMax: env.FULFIL_BATCH_MAX, waitMs: env.FULFIL_BATCH_WAIT_MS }
}

/** Deterministic pseudo-random numbers, so every run builds the same data. */
export function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32
}

/** How many times a bench repeats its measurement (BENCH_RUNS, 1 by default); it commits the median. */
export const benchRuns = (): number => Math.max(1, Number(process.env.BENCH_RUNS ?? 1) || 1)

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/**
 * The median of repeated runs of a figure and its baseline, with every run kept for the
 * notes: each run's value, baseline, ratio and 1-minute load average, and the spread.
 */
export function medianOfRuns(runs: { value: number; baseline: number; load: number }[]) {
  const ratios = runs.map((r) => r.value / r.baseline)
  const spread = (xs: number[]) => [round(Math.min(...xs)), round(Math.max(...xs))]
  return {
    value: median(runs.map((r) => r.value)),
    baseline: median(runs.map((r) => r.baseline)),
    notes: {
      runs: runs.map((r, i) => ({
        value: round(r.value, 1),
        baseline: round(r.baseline, 1),
        ratio: round(ratios[i]!),
        loadAverage1m: round(r.load, 2),
      })),
      spread: {
        value: spread(runs.map((r) => r.value)),
        baseline: spread(runs.map((r) => r.baseline)),
        ratio: spread(ratios),
      },
    },
  }
}

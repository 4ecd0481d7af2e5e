// Many seeds against one template: progress, seeds per second, the first failures.
// Shared by the vitest file and the replay CLI.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startScenarioFakes } from './domestic'
import { runScenario, ScenarioFailure } from './runner'
import type { Template } from './setup'

export type FuzzResult = {
  dialect: string
  seeds: number
  ran: number
  steps: number
  restarts: number
  seconds: number
  perSecond: number
  failures: string[]
  answers: Record<string, number>
  /** What the matching pool did over the seeds: matched gifts, match returns, cuts, dry pools. */
  matching: Record<string, number>
  stoppedAt?: string
}

/** Add one tally into another. */
export function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n
}

/**
 * The environment the app modules read (getEnv is cached on first use: call this first),
 * with the fake WeChat Pay and Alipay started and configured; dispose() stops them.
 */
export async function scenarioEnv(): Promise<{ dispose(): Promise<void> }> {
  const uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-scenario-uploads-'))
  process.env.UPLOAD_DIR = uploads
  process.env.NODE_ENV ??= 'test'
  if (!/^https?:\/\//.test(process.env.BASE_URL ?? '')) process.env.BASE_URL = 'http://localhost:3000'
  const stopFakes = await startScenarioFakes()
  return {
    async dispose() {
      await stopFakes()
      fs.rmSync(uploads, { recursive: true, force: true })
    },
  }
}

export async function fuzz(
  t: Template,
  seeds: number[],
  options: {
    deadlineMs: number
    maxFailures?: number
    progressEvery?: number
    log?: (line: string) => void
    trace?: (line: string) => void
  },
): Promise<FuzzResult> {
  const log = options.log ?? ((line: string) => console.log(line))
  const started = performance.now()
  const failures: string[] = []
  let ran = 0
  let steps = 0
  let restarts = 0
  const answers: Record<string, number> = {}
  const matching: Record<string, number> = {}
  let stoppedAt: string | undefined
  for (const seed of seeds) {
    if (performance.now() - started > options.deadlineMs) {
      stoppedAt = `deadline of ${Math.round(options.deadlineMs / 1000)} s reached after ${ran} of ${seeds.length} seeds`
      break
    }
    try {
      const r = await runScenario(t, seed, { trace: options.trace })
      steps += r.steps
      restarts += r.restarts
      addCounts(answers, r.answers)
      addCounts(matching, r.matching)
    } catch (e) {
      const message =
        e instanceof ScenarioFailure
          ? e.message
          : `scenario seed ${seed} on ${t.dialect} threw outside a step: ${(e as Error).stack}`
      failures.push(message)
      log(message)
      if (failures.length >= (options.maxFailures ?? 3)) {
        ran++
        stoppedAt = `stopped after ${failures.length} failures`
        break
      }
    }
    ran++
    if (options.progressEvery && ran % options.progressEvery === 0) {
      const s = (performance.now() - started) / 1000
      log(
        `scenario fuzz ${t.dialect}: ${ran}/${seeds.length} seeds, ${steps} steps, ${restarts} restarts, ${(ran / s).toFixed(1)} seeds/s`,
      )
    }
  }
  const seconds = (performance.now() - started) / 1000
  return {
    dialect: t.dialect,
    seeds: seeds.length,
    ran,
    steps,
    restarts,
    seconds,
    perSecond: ran / seconds,
    failures,
    answers,
    matching,
    stoppedAt,
  }
}

/** One line: each answer and how often it came, most frequent first. */
export function describeAnswers(answers: Record<string, number>): string {
  return Object.entries(answers)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')
}

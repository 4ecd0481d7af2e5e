// The seeded random scenario fuzz of the money paths: donations through signed webhooks,
// replays (also concurrent), refunds, disputes, award batches, payouts, crashes mid-step and
// lost answers — with the ledger and the model checked against each other after EVERY step.
// A failure prints its seed and steps; SCENARIO_SEED=<n> runs that seed alone.
import fs from 'node:fs'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { describeAnswers, fuzz, scenarioEnv, type FuzzResult } from './scenario/fuzz'
import { postgresTemplate, sqliteTemplate, type Template } from './scenario/setup'
import { fuzzSharded } from './scenario/shards'
import { FULL, scaled } from './support/scale'

const uploads = scenarioEnv()
const only = process.env.SCENARIO_SEED ? Number(process.env.SCENARIO_SEED) : undefined
const first = Number(process.env.SCENARIO_FIRST_SEED || 1) // another window of seeds
const seeds = (n: number) => (only !== undefined ? [only] : Array.from({ length: n }, (_, i) => first + i))
// Wall-clock bounds: a slow machine runs fewer seeds (and says so) rather than hanging.
const deadlineMs = scaled('SCENARIO_DEADLINE_S', 150, 1500) * 1000
// The full run shards seeds over worker processes (one per core); CI runs in this process.
const workers = only !== undefined ? 1 : scaled('SCENARIO_WORKERS', 1, 2)

async function run(seedList: number[], template: () => Promise<Template>, pgUrl?: string): Promise<FuzzResult> {
  if (workers > 1) return fuzzSharded(seedList, { workers, pgUrl, deadlineMs })
  const t = await template()
  try {
    return await fuzz(t, seedList, { deadlineMs, progressEvery: FULL ? 500 : 100 })
  } finally {
    await t.dispose()
  }
}

function report(r: FuzzResult) {
  console.log(`scenario fuzz ${r.dialect}: ${r.ran}/${r.seeds} seeds, ${r.steps} steps, ${r.restarts} restarts, ${r.seconds.toFixed(1)} s, ${r.perSecond.toFixed(1)} seeds/s${workers > 1 ? ` over ${workers} workers` : ''}${r.stoppedAt ? ` (${r.stoppedAt})` : ''}`)
  console.log(`answers: ${describeAnswers(r.answers)}`)
  expect(r.failures, r.failures.join('\n\n')).toEqual([])
  // A slow (shared) machine may run out of time and says so above; a tenth of the seeds must still run.
  expect(r.ran, `only ${r.ran} of ${r.seeds} seeds ran: ${r.stoppedAt}`).toBeGreaterThanOrEqual(Math.ceil(r.seeds / 10))
}

afterAll(() => fs.rmSync(uploads, { recursive: true, force: true }))

describe('scenario fuzz', () => {
  it('SQLite: every seed keeps the ledger verified and the model and database in agreement after every step', async () => {
    report(await run(seeds(scaled('SCENARIO_SEEDS', 500, 10_000)), sqliteTemplate))
  }, deadlineMs + 180_000)

  const pgSkip = inject('pgSkip')
  it.skipIf(pgSkip)(`PostgreSQL: the same on a smaller share of seeds${pgSkip ? ` — skipped: ${pgSkip}` : ''}`, async () => {
    const url = inject('pgUrl')
    report(await run(seeds(scaled('SCENARIO_SEEDS_PG', 25, 1_000)), () => postgresTemplate(url), url))
  }, deadlineMs + 180_000)
})

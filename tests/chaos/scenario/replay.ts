// Replay one scenario seed with its steps printed as they run:
//   npx tsx tests/chaos/scenario/replay.ts <seed> [<last seed>]
// SQLite by default; SCENARIO_PG_URL=postgres://… (a superuser URL) runs it on PostgreSQL.
import fs from 'node:fs'
import { describeAnswers, fuzz, scenarioEnv } from './fuzz'
import { postgresTemplate, sqliteTemplate } from './setup'

const [from, to] = process.argv.slice(2).map(Number)
if (!Number.isInteger(from)) {
  console.error('usage: npx tsx tests/chaos/scenario/replay.ts <seed> [<last seed>]')
  process.exit(2)
}
const uploads = scenarioEnv()
const t = process.env.SCENARIO_PG_URL ? await postgresTemplate(process.env.SCENARIO_PG_URL) : await sqliteTemplate()
const seeds = Array.from({ length: (to ?? from!) - from! + 1 }, (_, i) => from! + i)
try {
  const r = await fuzz(t, seeds, { deadlineMs: 3_600_000, maxFailures: 1, trace: seeds.length === 1 ? (line) => console.log(line) : undefined, progressEvery: 100 })
  console.log(`${r.ran} seeds on ${r.dialect}, ${r.steps} steps, ${r.restarts} restarts, ${r.perSecond.toFixed(1)} seeds/s: ${r.failures.length ? 'FAILED' : 'ok'}`)
  console.log(`answers: ${describeAnswers(r.answers)}`)
  process.exitCode = r.failures.length ? 1 : 0
} finally {
  await t.dispose()
  fs.rmSync(uploads, { recursive: true, force: true })
}

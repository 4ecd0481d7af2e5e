// Replay scenario seeds, each step printed as it runs when there is one seed:
//   npx tsx tests/chaos/scenario/replay.ts <seed> [<last seed>]
// SQLite by default; SCENARIO_PG_URL=postgres://… (a superuser URL) runs them on PostgreSQL.
// With --json (how the sharded full run uses it) the last line is `SCENARIO_RESULT <json>`.
import { describeAnswers, fuzz, scenarioEnv } from './fuzz'
import { postgresTemplate, sqliteTemplate } from './setup'

const args = process.argv.slice(2)
const json = args.includes('--json')
const [from, to] = args.filter((a) => a !== '--json').map(Number)
if (!Number.isInteger(from) || (to !== undefined && !(Number.isInteger(to) && to >= from!))) {
  console.error('usage: npx tsx tests/chaos/scenario/replay.ts [--json] <seed> [<last seed>]')
  process.exit(2)
}
const env = await scenarioEnv()
const t = process.env.SCENARIO_PG_URL ? await postgresTemplate(process.env.SCENARIO_PG_URL) : await sqliteTemplate()
const seeds = Array.from({ length: (to ?? from!) - from! + 1 }, (_, i) => from! + i)
try {
  const r = await fuzz(t, seeds, {
    deadlineMs: Number(process.env.SCENARIO_DEADLINE_MS || 3_600_000),
    maxFailures: json ? 3 : 1,
    trace: seeds.length === 1 && !json ? (line) => console.log(line) : undefined,
    progressEvery: json ? 250 : 100,
  })
  if (json) console.log(`SCENARIO_RESULT ${JSON.stringify(r)}`)
  else {
    console.log(
      `${r.ran} seeds on ${r.dialect}, ${r.steps} steps, ${r.restarts} restarts, ${r.perSecond.toFixed(1)} seeds/s: ${r.failures.length ? 'FAILED' : 'ok'}`,
    )
    console.log(`answers: ${describeAnswers(r.answers)}`)
    console.log(`matching: ${describeAnswers(r.matching)}`)
  }
  process.exitCode = r.failures.length ? 1 : 0
} finally {
  await t.dispose()
  await env.dispose()
}

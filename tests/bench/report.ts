// npm run bench:report — one Markdown table of every tests/bench/results/*.json (the figure,
// its same-run baseline and the ratio, when, and the machine's load then), for the README.
import fs from 'node:fs'
import path from 'node:path'
import { resultsDir, type BenchResult } from './lib'

/** Every peak-RSS figure in the notes (top level or one level down), as "where: MB". */
function peakRss(notes: Record<string, unknown>): string {
  const found: string[] = []
  const scan = (o: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (/peakrssmb$/i.test(k))
        found.push(
          `${prefix}${k.replace(/PeakRssMb$|peakRssMb$/, '') || 'peak'}: ${(Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'number' ? Math.round(x) : '?')).join('/')}`,
        )
      else if (!prefix && v && typeof v === 'object' && !Array.isArray(v)) scan(v as Record<string, unknown>, `${k}.`)
    }
  }
  scan(notes, '')
  return found.join(', ')
}

const cell = (v: unknown) =>
  String(v ?? '')
    .replaceAll('|', '\\|')
    .replaceAll('\n', ' ')
const files = fs
  .readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
const lines = [
  '| bench | figure | value | unit | baseline | baseline value | ratio | peak RSS (MB) | date (UTC) | load (1 min) / cores |',
  '|---|---|---:|---|---|---:|---:|---|---|---|',
]
for (const f of files) {
  const r = JSON.parse(fs.readFileSync(path.join(resultsDir, f), 'utf8')) as BenchResult
  const notes = r.notes ?? {}
  lines.push(
    `| ${cell(path.basename(f, '.json'))} | ${cell(r.name)} | ${r.value} | ${cell(r.unit)} | ${cell(r.baseline?.name)} | ${r.baseline?.value ?? ''} | ${r.ratio} | ${cell(peakRss(notes))} | ${cell(r.at?.slice(0, 16).replace('T', ' '))} | ${notes.loadAverage1m ?? '?'} / ${notes.cpus ?? '?'} |`,
  )
}
console.log(lines.join('\n'))

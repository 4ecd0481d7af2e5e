// npm run bench [-- <filter>…] — run the registered benches whose name contains a filter
// (all of them without one). Each writes tests/bench/results/<bench>.json.
// To add a bench: export `run()` from tests/bench/<name>.bench.ts and register it here.

const BENCHES: Record<string, () => Promise<{ run: () => Promise<unknown> }>> = {
  'ledger-post': () => import('./ledger-post.bench'),
  // ledger-fifo also writes ledger-verify and ledger-trace: they share the 1,000,000-lot database.
  'ledger-fifo': () => import('./ledger-fifo.bench'),
  webhooks: () => import('./webhooks.bench'),
  // Three app processes behind the chaos balancer on PostgreSQL, beside one (and one on SQLite).
  'webhooks-cluster': () => import('./webhooks-cluster.bench'),
  // transparency also writes ledger-page, trace-lookup and transparency-export: one 1,000,000-donation database.
  transparency: () => import('./transparency.bench'),
  // The same data and pages on PostgreSQL (loaded afresh each run, minutes).
  'transparency-pg': () => import('./transparency-pg.bench'),
  // The donation desk at 1,000,000 gifts: writes desk-search-email, desk-search-receipt, desk-first-page, desk-campaign-month.
  desk: () => import('./desk.bench'),
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'))
// A filter that names a bench exactly selects only it (webhooks, not webhooks-cluster).
const selected = Object.keys(BENCHES).filter(
  (name) => !filters.length || filters.some((f) => name === f || (!(f in BENCHES) && name.includes(f))),
)
if (!selected.length) {
  console.error(`no bench matches ${filters.join(' ')}; known: ${Object.keys(BENCHES).join(', ')}`)
  process.exit(1)
}
for (const name of selected) {
  console.log(`— ${name}`)
  const started = Date.now()
  await (await BENCHES[name]!()).run()
  console.log(`— ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
export {}

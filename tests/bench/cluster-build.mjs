// The production build plus one bare route, for the cluster bench's same-run baseline: the
// app processes of tests/bench/cluster-app.ts serve it. POST /__bench/insert reads the body
// and inserts one row into bench_plain (the bench creates it) through the process's own
// database pool, the one the app uses — no signature, no ledger, one statement.
import { sql } from 'kysely'
import { routes as appRoutes } from '../../build/index.js'

export * from '../../build/index.js'

export const routes = {
  ...appRoutes,
  'routes/__bench_insert': {
    id: 'routes/__bench_insert',
    parentId: 'root',
    path: '__bench/insert',
    index: undefined,
    caseSensitive: undefined,
    module: {
      action: async ({ request }) => {
        const body = await request.text()
        // The instance app/utils/db.server.ts keeps for this process (the server opened it at start).
        const db = globalThis.__hopeLedgerDb.db
        await sql`insert into bench_plain (k, amount) values (${body.slice(0, 40)}, ${body.length})`.execute(db)
        return Response.json({ ok: true })
      },
    },
  },
}

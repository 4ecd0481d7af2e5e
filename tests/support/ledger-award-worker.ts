// Child process for the ledger concurrency test: its own connection pool, `count`
// awards fired at once against one fund. Prints {"ok":n,"insufficient":n,"other":[…]}.
import { sql } from 'kysely'
import { createDatabase } from '../../app/utils/db.server'
import { InsufficientFundsError } from '../../app/modules/ledger/errors'
import { postAward } from '../../app/modules/ledger/awards.server'

const [url, fund, countText, offsetText] = process.argv.slice(2)
const count = Number(countText)
const offset = Number(offsetText)
const { db } = createDatabase(url!, { poolSize: 8 })
// SQLite: the other process may hold the write lock for many short transactions in a
// row; on a loaded test machine wait longer than the app's 10 s before giving up.
if (url!.startsWith('sqlite:')) await sql`pragma busy_timeout = 120000`.execute(db)
let ok = 0
let insufficient = 0
const other: string[] = []
await Promise.all(
  Array.from({ length: count }, async (_, i) => {
    const n = offset + i + 1
    try {
      await db.transaction().execute((trx) =>
        postAward(trx, {
          idempotencyKey: `race-${n}`,
          fund: fund!,
          beneficiaryId: n,
          beneficiaryCode: `HP-530627-${n}`,
          amount: 80000,
          currency: 'CNY',
          occurredAt: '2026-11-01T00:00:00.000Z',
        }),
      )
      ok++
    } catch (error) {
      if (error instanceof InsufficientFundsError) insufficient++
      else other.push((error as Error).message)
    }
  }),
)
await db.destroy()
process.stdout.write(JSON.stringify({ ok, insufficient, other: other.slice(0, 5) }))

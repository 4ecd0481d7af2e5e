// npm run ledger:verify [-- <database url>] — recompute the hash chain, every balance,
// lot and trace from the ledger history, and open every version-2 commitment whose value
// is disclosed (withdrawn ones are counted). Exit 0 when whole, 1 naming the first bad row.
import { pathToFileURL } from 'node:url'
import { verifyLedger } from '../modules/ledger/verify.server'
import { createDatabase } from '../utils/db.server'
import { getEnv } from '../utils/env.server'

export async function main(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  const url = argv[0] ?? getEnv().DATABASE_URL
  const { db } = createDatabase(url, { poolSize: 2 })
  try {
    const started = Date.now()
    const result = await verifyLedger(db, {
      onProgress: ({ transactions }) => {
        if (transactions % 100_000 === 0) log(`… ${transactions} transactions checked`)
      },
    })
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    if (result.ok) {
      log(
        `ledger ok: ${result.transactions} transactions, head ${result.head.sequence} ${result.head.hash} (${seconds} s)`,
      )
      const since = result.version2From === undefined ? 'none' : `from sequence ${result.version2From}`
      log(`record version 2: ${since}; ${result.withdrawn} committed values withdrawn (accepted by commitment alone)`)
      return 0
    }
    const e = result.firstError!
    log(
      `ledger BROKEN at ${e.table}${e.id !== undefined ? ` id ${e.id}` : ''}${e.sequence !== undefined ? ` (sequence ${e.sequence})` : ''}: ${e.message}`,
    )
    return 1
  } finally {
    await db.destroy()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error((error as Error).message)
      process.exit(2)
    },
  )
}

// Posting throughput: donations through postDonation (one database transaction each:
// lock, idempotency check, balances, transaction + transfers, hash, donation, lot)
// against the same number of bare single-row inserts, each in its own transaction.
import fs from 'node:fs'
import path from 'node:path'
import { sql, type Kysely } from 'kysely'
import { postDonation } from '../../app/modules/ledger/donations.server'
import { fundOfCampaign } from '../../app/modules/ledger/accounts'
import { createDatabase } from '../../app/utils/db.server'
import { migrateToLatest } from '../../db/migrator'
import { dataDir, timed, writeResult } from './lib'

const N = 5000

export async function run() {
  fs.mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, 'ledger-post.db')
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  const { db } = createDatabase(`sqlite:${file}`)
  try {
    await migrateToLatest(db)
    const raw = db as unknown as Kysely<any>
    await sql`create table bench_plain (id integer primary key, k text not null unique, amount integer not null)`.execute(
      raw,
    )
    const base = Date.parse('2026-01-01T00:00:00.000Z')
    // Warm both paths (statement cache, page cache) before timing.
    for (let i = 0; i < 200; i++) {
      await db.transaction().execute((trx) =>
        postDonation(trx, {
          idempotencyKey: `warm-${i}`,
          donationRef: `W-${i}`,
          fund: fundOfCampaign(1),
          amount: 10000,
          fee: 340,
          currency: 'CNY',
          paidAt: new Date(base).toISOString(),
          displayName: '爱心人士',
        }),
      )
      await raw.transaction().execute((trx) =>
        trx
          .insertInto('bench_plain')
          .values({ k: `warm-${i}`, amount: 1 })
          .execute(),
      )
    }
    const posting = await timed(async () => {
      for (let i = 0; i < N; i++) {
        await db.transaction().execute((trx) =>
          postDonation(trx, {
            idempotencyKey: `bench-${i}`,
            donationRef: `D-${i}`,
            fund: fundOfCampaign(1 + (i % 3)),
            amount: 1000 + i,
            fee: i % 3 ? 0 : 34,
            currency: 'CNY',
            paidAt: new Date(base + i * 1000).toISOString(),
            displayName: '爱心人士',
          }),
        )
      }
    })
    const bare = await timed(async () => {
      for (let i = 0; i < N; i++)
        await raw.transaction().execute((trx) =>
          trx
            .insertInto('bench_plain')
            .values({ k: `row-${i}`, amount: i })
            .execute(),
        )
    })
    writeResult('ledger-post', {
      name: 'postDonation, one transaction each (SQLite)',
      value: N / posting.seconds,
      unit: 'transactions/s',
      baseline: { name: 'bare single-row insert, one transaction each (SQLite, same file)', value: N / bare.seconds },
      notes: {
        count: N,
        postingSeconds: posting.seconds,
        bareSeconds: bare.seconds,
        perPostingMs: (posting.seconds * 1000) / N,
      },
    })
  } finally {
    await db.destroy()
  }
}

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { approveBatch, prepareBatch } from '~/modules/disbursements/batches.server'
import { fundOfWish, lockHead, postDonation } from '~/modules/ledger'
import { createWish, fulfilWish } from '~/modules/wishes/wishes.server'
import type { DB } from '~/utils/db.server'
import { seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { freeStudents, fundedProgramme, stationIdOf, stationPath, userIdOf } from './scholarship.fixtures'
import { minimalPdf } from '../support/proof-files'

// Lock order on PostgreSQL. Every ledger posting takes the chain head; an approval first
// locks its batch. If the approval also locked the batch's station row (FOR UPDATE over
// a join locks every joined row), a posting that holds the head and then writes a row
// referring to that station (fulfilWish's audit row: an FK check takes KEY SHARE on it)
// waits for the approval while the approval waits for the head: a deadlock, and one of
// the two users gets a 500. The order is forced here: a third transaction holds the head
// until the wish fulfilment and then the approval queue behind it.
// (SQLite has one writer at a time; there is no lock order to get wrong.)

const PDF = minimalPdf('lock order')

/** Wait until `n` backends of this database wait on a lock (bounded). */
async function lockWaiters(db: DB, n: number) {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const row = await sql<{
      n: number
    }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(
      db,
    )
    if (Number(row.rows[0]!.n) >= n) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`fewer than ${n} transactions ever waited on a lock`)
}

describe.skipIf(skipReason || testDialect !== 'postgres')(`batch lock order on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  it('an approval and a wish fulfilment at the same station, both queued behind the ledger head, both complete', async () => {
    const place = '530627101'
    const caseworker = {
      id: await userIdOf(t.db, 'caseworker.zhenxiong@hope.demo'),
      scope: [await stationPath(t.db, '530627')],
      ip: '203.0.113.50',
    }
    const finance = {
      id: await userIdOf(t.db, 'finance@hope.demo'),
      scope: [await stationPath(t.db, '530000')],
      ip: '203.0.113.51',
      totpVerified: true,
    }
    const p = await fundedProgramme(t.db, 100000)
    const [awarded, wishing] = await freeStudents(t.db, place, 2)
    const batchId = await prepareBatch(t.db, caseworker, {
      programmeId: p.programmeId,
      term: '2027-spring',
      stationId: await stationIdOf(t.db, place),
      campaignId: p.campaignId,
      lines: [{ beneficiaryId: awarded!.id, amount: 100000 }],
    })
    const wishId = await createWish(t.db, caseworker, {
      beneficiaryId: wishing!.id,
      item: '一盏台灯',
      story: '想要一盏台灯写作业。',
      price: 6000,
    })
    await t.db.transaction().execute((trx) =>
      postDonation(trx, {
        idempotencyKey: `test:lock-order:${wishId}`,
        donationRef: `D-LOCK-${wishId}`,
        fund: fundOfWish(wishId),
        amount: 6000,
        fee: 0,
        currency: 'CNY',
        paidAt: new Date().toISOString(),
        displayName: '爱心人士',
      }),
    )

    let release!: () => void
    const released = new Promise<void>((r) => (release = r))
    let holding!: () => void
    const held = new Promise<void>((r) => (holding = r))
    const blocker = t.db.transaction().execute(async (trx) => {
      await lockHead(trx)
      holding()
      await released
    })
    await held
    const wish = fulfilWish(t.db, caseworker, { wishId, proof: PDF })
    await lockWaiters(t.db, 1)
    const approval = approveBatch(t.db, finance, { batchId })
    await lockWaiters(t.db, 2)
    release()
    await blocker
    const [w, a] = await Promise.allSettled([wish, approval])
    expect(w).toEqual({ status: 'fulfilled', value: 'fulfilled' })
    expect(a).toEqual({ status: 'fulfilled', value: 'approved' })
  })
})

// postAwards (a batch) must produce exactly what the same awards posted one by one
// produce: same transfers, same traces (lots, amounts, students), same balances.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GENERAL_FUND,
  IdempotencyConflictError,
  InsufficientFundsError,
  fundOfCampaign,
  inTransaction,
  postAward,
  postAwards,
  postDonation,
  postPayout,
  verifyLedger,
  type AwardInput,
} from '~/modules/ledger'
import { disclosuresOf, openRefs } from '~/modules/ledger'
import type { DB } from '~/utils/db.server'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

const C1 = fundOfCampaign(1)
const C2 = fundOfCampaign(2)

async function fill(db: DB) {
  await inTransaction(db, async (trx) => {
    for (let i = 0; i < 40; i++) {
      // Paid times out of insertion order, so FIFO by paid time differs from id order.
      const day = (i * 7) % 40
      await postDonation(trx, {
        idempotencyKey: `d${i}`,
        donationRef: `D-${i}`,
        fund: [C1, C2, GENERAL_FUND][i % 3]!,
        amount: 3000 + 97 * i,
        fee: i % 4 ? 0 : 120,
        currency: i % 10 === 9 ? 'HKD' : 'CNY',
        paidAt: new Date(Date.UTC(2026, 0, 1 + day)).toISOString(),
        displayName: '爱心人士',
      })
    }
  })
}

const awards: AwardInput[] = Array.from({ length: 25 }, (_, i) => ({
  idempotencyKey: `a${i}`,
  fund: i % 2 ? C1 : C2,
  beneficiaryId: 1 + (i % 9),
  beneficiaryCode: `HP-530627-${1 + (i % 9)}`,
  amount: 900 + 131 * i,
  currency: 'CNY',
  occurredAt: '2026-03-01T00:00:00.000Z',
  refs: { programme: 'sunshine-bursary', term: '2026-spring' },
}))

describe.skipIf(skipReason)(`ledger award batches on ${testDialect}`, () => {
  let one: TestDb
  let batch: TestDb
  beforeAll(async () => {
    ;[one, batch] = await Promise.all([createTestDb(), createTestDb()])
    await fill(one.db)
    await fill(batch.db)
  })
  afterAll(async () => Promise.all([one?.destroy(), batch?.destroy()]))

  // Refs opened: each database drew its own salts, so commitments differ while values agree.
  const opened = async (db: DB) => {
    const rows = await db
      .selectFrom('ledger_transactions')
      .select(['sequence', 'kind', 'occurred_at', 'refs', 'request_digest'])
      .orderBy('sequence')
      .execute()
    const disclosed = await disclosuresOf(
      db,
      rows.map((r) => r.sequence),
    )
    return rows.map((r) => ({ ...r, refs: openRefs(JSON.parse(r.refs), disclosed.get(r.sequence)) }))
  }
  const snapshot = async (db: DB) => ({
    tx: await opened(db),
    transfers: await db
      .selectFrom('ledger_transfers')
      .select(['sequence', 'position', 'from_account', 'to_account', 'amount', 'currency'])
      .orderBy('id')
      .execute(),
    traces: await db
      .selectFrom('ledger_traces')
      .select(['sequence', 'kind', 'lot_id', 'amount', 'beneficiary_id', 'beneficiary_code'])
      .orderBy('id')
      .execute(),
    balances: await db.selectFrom('ledger_balances').selectAll().orderBy('account').orderBy('currency').execute(),
    lots: await db.selectFrom('ledger_lot_balances').selectAll().orderBy('lot_id').execute(),
    unpaid: await db
      .selectFrom('ledger_trace_balances')
      .select(['beneficiary_id', 'unpaid'])
      .orderBy('trace_id')
      .execute(),
  })

  it('equals the same awards posted one by one, and verifies', async () => {
    for (const a of awards) await inTransaction(one.db, (trx) => postAward(trx, a))
    const posted = await inTransaction(batch.db, (trx) => postAwards(trx, awards))
    expect(posted.map((p) => p.created)).toEqual(awards.map(() => true))
    expect(await snapshot(batch.db)).toEqual(await snapshot(one.db))
    expect(await verifyLedger(batch.db)).toMatchObject({ ok: true })
    // Payouts settle batch awards like any others.
    await inTransaction(batch.db, (trx) =>
      postPayout(trx, {
        idempotencyKey: 'p1',
        beneficiaryId: 1,
        amount: 1000,
        currency: 'CNY',
        occurredAt: '2026-03-02T00:00:00.000Z',
      }),
    )
    expect(await verifyLedger(batch.db)).toMatchObject({ ok: true })
  })

  it('replays, refuses conflicts and uncovered batches without writing anything', async () => {
    const again = await inTransaction(batch.db, (trx) => postAwards(trx, awards))
    expect(again.map((p) => p.created)).toEqual(awards.map(() => false))
    const before = await snapshot(batch.db)
    await expect(
      inTransaction(batch.db, (trx) => postAwards(trx, [{ ...awards[0]!, amount: 1 }])),
    ).rejects.toBeInstanceOf(IdempotencyConflictError)
    const huge = { ...awards[0]!, idempotencyKey: 'huge', amount: 10 ** 9 }
    await expect(
      inTransaction(batch.db, (trx) => postAwards(trx, [{ ...awards[1]!, idempotencyKey: 'fine' }, huge])),
    ).rejects.toBeInstanceOf(InsufficientFundsError)
    expect(await snapshot(batch.db)).toEqual(before)
    expect(await verifyLedger(batch.db)).toMatchObject({ ok: true })
  })
})

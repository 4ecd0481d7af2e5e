// A ledger that contradicts itself is a bug, answered 500 (InvariantError), never a
// refusal of the person's request: here a fund whose lots no longer cover its balance
// and a payable whose award traces no longer cover it. Nothing is written either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  fundOfCampaign,
  inTransaction,
  InsufficientFundsError,
  postAward,
  postDonation,
  postPayout,
} from '~/modules/ledger'
import { InvariantError } from '~/utils/invariant'
import { isRefusal } from '~/utils/refusal'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

const F = fundOfCampaign(1)
const at = '2026-09-01T00:00:00.000Z'
const award = {
  idempotencyKey: 'a1',
  fund: F,
  beneficiaryId: 3,
  beneficiaryCode: 'HP-530627-0003',
  amount: 4000,
  currency: 'CNY',
  occurredAt: at,
}

describe.skipIf(skipReason)(`ledger invariants on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
    await inTransaction(t.db, (trx) =>
      postDonation(trx, {
        idempotencyKey: 'd1',
        donationRef: 'D-1',
        fund: F,
        amount: 10000,
        fee: 0,
        currency: 'CNY',
        paidAt: at,
        displayName: '爱心人士',
      }),
    )
  })
  afterAll(async () => t?.destroy())
  const count = async () =>
    Number(
      (
        await t.db
          .selectFrom('ledger_transactions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('an uncovered award is a refusal; lots that do not cover the balance are an invariant failure', async () => {
    const over = inTransaction(t.db, (trx) => postAward(trx, { ...award, amount: 10001 }))
    await expect(over).rejects.toBeInstanceOf(InsufficientFundsError)
    await expect(over).rejects.toMatchObject({ available: 10000, requested: 10001, status: 400 })
    // Break the ledger inside a transaction that is rolled back: the lot emptied, the balance kept.
    const broken = inTransaction(t.db, async (trx) => {
      await trx.updateTable('ledger_lot_balances').set({ remaining: 0 }).execute()
      return postAward(trx, award)
    })
    await expect(broken).rejects.toBeInstanceOf(InvariantError)
    await expect(broken.catch((e: unknown) => isRefusal(e))).resolves.toBe(false)
    expect(await count()).toBe(1)
  })

  it('a payable whose award traces do not cover it is an invariant failure', async () => {
    await inTransaction(t.db, (trx) => postAward(trx, award))
    const broken = inTransaction(t.db, async (trx) => {
      await trx.updateTable('ledger_trace_balances').set({ unpaid: 0 }).execute()
      return postPayout(trx, { idempotencyKey: 'p1', beneficiaryId: 3, amount: 4000, currency: 'CNY', occurredAt: at })
    })
    await expect(broken).rejects.toBeInstanceOf(InvariantError)
    expect(await count()).toBe(2)
  })
})

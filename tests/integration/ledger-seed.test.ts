// The demo's money goes through the ledger commands and verifies; seedMoney's
// ledger-only gifts (for databases without the giving seed) do too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fundRaised, GENERAL_FUND, getBalance, inTransaction, verifyLedger } from '~/modules/ledger'
import { seedMoney } from '../../db/seed/money'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

describe.skipIf(skipReason)(`ledger seed on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
  })
  afterAll(async () => t?.destroy())

  it('books ledger-only demo gifts, fees and a refund that verify', async () => {
    const result = await inTransaction(t.db, (trx) =>
      seedMoney(trx, { now: new Date('2026-11-23T02:00:00Z'), donations: 50 }),
    )
    expect(result).toEqual({ donations: 50, awards: 0 })
    const raised = await fundRaised(t.db, GENERAL_FUND)
    expect(raised.donations).toBe(50)
    expect(await getBalance(t.db, 'external:refunds', 'CNY')).toBe(10000)
    expect(await verifyLedger(t.db)).toMatchObject({ ok: true, transactions: 51 })
  })
})

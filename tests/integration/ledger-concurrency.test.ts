// 1,000 concurrent awards against a fund that covers exactly 10: exactly 10 succeed,
// in one process and across two OS processes with their own connection pools.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  InsufficientFundsError,
  fundOfCampaign,
  getBalance,
  inTransaction,
  postAward,
  postDonation,
  verifyLedger,
} from '~/modules/ledger'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

const run = promisify(execFile)
const AWARD = 80000

describe.skipIf(skipReason)(`ledger concurrency on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb({ poolSize: 20 })
  })
  afterAll(async () => t?.destroy())

  async function fundFor(id: number) {
    const fund = fundOfCampaign(id)
    // Ten awards' worth, in 25 donations so that awards draw across lots.
    await inTransaction(t.db, async (trx) => {
      for (let i = 0; i < 25; i++) {
        await postDonation(trx, {
          idempotencyKey: `c${id}-d${i}`,
          donationRef: `D-C${id}-${i}`,
          fund,
          amount: (AWARD * 10) / 25,
          fee: 0,
          currency: 'CNY',
          paidAt: '2026-10-01T00:00:00.000Z',
          displayName: '爱心人士',
        })
      }
    })
    return fund
  }

  async function settle(fund: string) {
    expect(await getBalance(t.db, fund, 'CNY')).toBe(0)
    const awarded = await t.db
      .selectFrom('ledger_transfers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('from_account', '=', fund)
      .executeTakeFirstOrThrow()
    expect(Number(awarded.n)).toBe(10)
    expect(await verifyLedger(t.db)).toMatchObject({ ok: true })
  }

  it('in one process: exactly 10 of 1,000 succeed', async () => {
    const fund = await fundFor(1)
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, i) =>
        inTransaction(t.db, (trx) =>
          postAward(trx, {
            idempotencyKey: `one-${i}`,
            fund,
            beneficiaryId: i + 1,
            beneficiaryCode: `HP-530627-${i + 1}`,
            amount: AWARD,
            currency: 'CNY',
            occurredAt: '2026-11-01T00:00:00.000Z',
          }),
        ),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10)
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(refused.every((r) => r.reason instanceof InsufficientFundsError)).toBe(true)
    await settle(fund)
  })

  it('across two OS processes, each with its own pool: exactly 10 of 1,000 succeed', async () => {
    const fund = await fundFor(2)
    const worker = path.resolve('tests/support/ledger-award-worker.ts')
    const outputs = await Promise.all(
      [0, 500].map((offset) =>
        run(process.execPath, ['--import', 'tsx', worker, t.url, fund, '500', String(offset + 10_000)], {
          maxBuffer: 1 << 20,
        }),
      ),
    )
    const results = outputs.map((o) => JSON.parse(o.stdout) as { ok: number; insufficient: number; other: string[] })
    expect(results.flatMap((r) => r.other)).toEqual([])
    expect(results.reduce((n, r) => n + r.ok, 0)).toBe(10)
    expect(results.reduce((n, r) => n + r.insufficient, 0)).toBe(990)
    await settle(fund)
  })
})

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GENERAL_FUND,
  IdempotencyConflictError,
  ensureAccount,
  InsufficientFundsError,
  LedgerInputError,
  exportDataset,
  fundOfCampaign,
  fundRaised,
  getBalance,
  getDonationTrace,
  inTransaction,
  payableOf,
  post,
  postAward,
  postCorrection,
  postDonation,
  postFundTransfer,
  postPayout,
  postRefund,
  verifyLedger,
} from '~/modules/ledger'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

const at = (day: number) => new Date(Date.UTC(2026, 8, 1 + day)).toISOString()
const F = fundOfCampaign(1)

describe.skipIf(skipReason)(`ledger on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
  })
  afterAll(async () => t?.destroy())
  const run = <T>(fn: Parameters<typeof inTransaction<T>>[1]) => inTransaction(t.db, fn)

  it('books a donation with its fee and opens a lot of the net amount', async () => {
    const r = await run((trx) =>
      postDonation(trx, {
        idempotencyKey: 'd1',
        donationRef: 'D-1',
        fund: F,
        amount: 10000,
        fee: 340,
        currency: 'CNY',
        paidAt: at(0),
        displayName: '张*',
      }),
    )
    expect(r).toMatchObject({ sequence: 1, created: true })
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(await getBalance(t.db, F, 'CNY')).toBe(9660)
    expect(await getBalance(t.db, 'external:donors', 'CNY')).toBe(-10000)
    expect(await getBalance(t.db, 'external:fees', 'CNY')).toBe(340)
    expect(await fundRaised(t.db, F)).toEqual({ donations: 1, byCurrency: { CNY: { gross: 10000, donations: 1 } } })
  })

  it('replays the same key and refuses the same key with other content', async () => {
    const input = {
      idempotencyKey: 'd1',
      donationRef: 'D-1',
      fund: F,
      amount: 10000,
      fee: 340,
      currency: 'CNY',
      paidAt: at(0),
      displayName: '张*',
    }
    const again = await run((trx) => postDonation(trx, input))
    expect(again).toMatchObject({ sequence: 1, created: false })
    await expect(run((trx) => postDonation(trx, { ...input, amount: 10001 }))).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    )
    await expect(run((trx) => postDonation(trx, { ...input, idempotencyKey: 'other' }))).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    )
  })

  it('post() alone is idempotent too, and only runs inside a transaction', async () => {
    // A scratch database: post() without the domain command writes no lots, which verify would rightly reject.
    const scratch = await createTestDb()
    try {
      const raw = {
        idempotencyKey: 'raw-1',
        kind: 'fund_transfer' as const,
        transfers: [{ from: 'external:donors', to: 'external:fees', amount: 5, currency: 'CNY' }],
        occurredAt: at(0),
      }
      await expect(inTransaction(scratch.db, (trx) => post(trx, raw))).resolves.toMatchObject({
        created: true,
        sequence: 1,
      })
      await expect(inTransaction(scratch.db, (trx) => post(trx, raw))).resolves.toMatchObject({
        created: false,
        sequence: 1,
      })
      await expect(inTransaction(scratch.db, (trx) => post(trx, { ...raw, occurredAt: at(1) }))).rejects.toBeInstanceOf(
        IdempotencyConflictError,
      )
      await expect(post(scratch.db, raw)).rejects.toBeInstanceOf(LedgerInputError)
      await expect(
        inTransaction(scratch.db, (trx) =>
          post(trx, { ...raw, idempotencyKey: 'raw-2', transfers: [{ ...raw.transfers[0]!, to: F }] }),
        ),
      ).resolves.toMatchObject({ sequence: 2 })
      await expect(
        inTransaction(scratch.db, (trx) =>
          post(trx, {
            ...raw,
            idempotencyKey: 'raw-3',
            transfers: [{ from: F, to: 'external:fees', amount: 6, currency: 'CNY' }],
          }),
        ),
      ).rejects.toBeInstanceOf(InsufficientFundsError)
    } finally {
      await scratch.destroy()
    }
  })

  it('awards FIFO, pays out, traces each share, refunds with a shortfall from fund:general', async () => {
    await run(async (trx) => {
      await postDonation(trx, {
        idempotencyKey: 'g1',
        donationRef: 'D-G',
        fund: GENERAL_FUND,
        amount: 50000,
        fee: 0,
        currency: 'CNY',
        paidAt: at(1),
        displayName: '爱心人士',
      })
      await postDonation(trx, {
        idempotencyKey: 'd2',
        donationRef: 'D-2',
        fund: F,
        amount: 20000,
        fee: 600,
        currency: 'CNY',
        paidAt: at(2),
        displayName: '李*',
      })
    })
    await expect(
      run((trx) =>
        postAward(trx, {
          idempotencyKey: 'a0',
          fund: F,
          beneficiaryId: 7,
          beneficiaryCode: 'HP-530627-0007',
          amount: 10 ** 9,
          currency: 'CNY',
          occurredAt: at(3),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InsufficientFundsError', account: F, available: 9660 + 19400 })
    await run((trx) =>
      postAward(trx, {
        idempotencyKey: 'a1',
        fund: F,
        beneficiaryId: 7,
        beneficiaryCode: 'HP-530627-0007',
        amount: 12000,
        currency: 'CNY',
        occurredAt: at(3),
        refs: { programme: 'sunshine-bursary', term: '2026-autumn' },
      }),
    )
    await run((trx) =>
      postPayout(trx, { idempotencyKey: 'p1', beneficiaryId: 7, amount: 9660, currency: 'CNY', occurredAt: at(4) }),
    )
    const one = await getDonationTrace(t.db, 'D-1')
    expect(one!.shares).toEqual([
      expect.objectContaining({
        beneficiaryCode: 'HP-530627-0007',
        amount: 9660,
        paid: 9660,
        paidAt: at(4),
        refs: { beneficiary: 'HP-530627-0007', programme: 'sunshine-bursary', term: '2026-autumn' },
      }),
    ])
    expect(one!.held).toBe(0)
    const two = await getDonationTrace(t.db, 'D-2')
    expect(two!.shares).toEqual([expect.objectContaining({ amount: 2340, paid: 0, paidAt: null })])
    expect(two!.held).toBe(19400 - 2340)

    // D-2 refunded in full: 17060 left in its lot, 2940 shortfall from fund:general.
    await run((trx) =>
      postRefund(trx, {
        idempotencyKey: 'r1',
        donationRef: 'D-2',
        amount: 20000,
        currency: 'CNY',
        occurredAt: at(5),
        reason: 'refund',
      }),
    )
    expect(await getBalance(t.db, GENERAL_FUND, 'CNY')).toBe(50000 - 2940)
    expect(await getBalance(t.db, 'external:refunds', 'CNY')).toBe(20000)
    expect((await getDonationTrace(t.db, 'D-2'))!).toMatchObject({ held: 0, refunded: 20000 })
    const names = await t.db
      .selectFrom('ledger_accounts')
      .select(['code', 'name'])
      .where('code', 'like', '%beneficiary:7')
      .orderBy('code')
      .execute()
    expect(names).toEqual([
      { code: 'paid:beneficiary:7', name: 'HP-530627-0007' },
      { code: 'payable:beneficiary:7', name: 'HP-530627-0007' },
    ])
    expect((await getDonationTrace(t.db, 'D-G'))!).toMatchObject({ held: 50000 - 2940, coveredRefunds: 2940 })
    await expect(
      run((trx) =>
        postRefund(trx, {
          idempotencyKey: 'r2',
          donationRef: 'D-2',
          amount: 1,
          currency: 'CNY',
          occurredAt: at(5),
          reason: 'refund',
        }),
      ),
    ).rejects.toBeInstanceOf(LedgerInputError)
    expect(await verifyLedger(t.db)).toMatchObject({ ok: true })
  })

  it('moves lots between funds and corrects transactions by reversal', async () => {
    const G2 = fundOfCampaign(2)
    await run((trx) => ensureAccount(trx, { code: G2, name: '学子阳光' }))
    await run((trx) => ensureAccount(trx, { code: G2, name: 'ignored: already named' }))
    const moved = await run((trx) =>
      postFundTransfer(trx, {
        idempotencyKey: 'ft1',
        from: GENERAL_FUND,
        to: G2,
        amount: 7000,
        currency: 'CNY',
        occurredAt: at(6),
      }),
    )
    const award = await run((trx) =>
      postAward(trx, {
        idempotencyKey: 'a2',
        fund: G2,
        beneficiaryId: 8,
        beneficiaryCode: 'HP-530627-0008',
        amount: 3000,
        currency: 'CNY',
        occurredAt: at(7),
      }),
    )
    expect((await getDonationTrace(t.db, 'D-G'))!.shares).toEqual([
      expect.objectContaining({ beneficiaryCode: 'HP-530627-0008', amount: 3000 }),
    ])
    await expect(
      run((trx) =>
        postCorrection(trx, { idempotencyKey: 'c0', corrects: moved.sequence, occurredAt: at(8), reason: 'mistake' }),
      ),
    ).rejects.toBeInstanceOf(LedgerInputError)
    await run((trx) =>
      postCorrection(trx, {
        idempotencyKey: 'c1',
        corrects: award.sequence,
        occurredAt: at(8),
        reason: 'wrong student',
      }),
    )
    expect((await getDonationTrace(t.db, 'D-G'))!.shares).toEqual([])
    expect(await getBalance(t.db, payableOf(8), 'CNY')).toBe(0)
    await run((trx) =>
      postCorrection(trx, { idempotencyKey: 'c2', corrects: moved.sequence, occurredAt: at(8), reason: 'mistake' }),
    )
    expect(await getBalance(t.db, G2, 'CNY')).toBe(0)
    expect(await t.db.selectFrom('ledger_accounts').select('name').where('code', '=', G2).executeTakeFirst()).toEqual({
      name: '学子阳光',
    })
    expect(await verifyLedger(t.db)).toMatchObject({ ok: true })
  })

  it('refuses to rewrite history at the database level', async () => {
    await expect(sql`update ledger_transfers set amount = amount + 1`.execute(t.db)).rejects.toThrow(/append-only/)
    await expect(sql`delete from ledger_traces`.execute(t.db)).rejects.toThrow(/append-only/)
    await expect(sql`update ledger_head set sequence = 1`.execute(t.db)).rejects.toThrow(/forward/)
    // The head may move past several transactions only onto a recorded one, with none missing.
    const head = await t.db.selectFrom('ledger_head').select(['sequence', 'hash']).executeTakeFirstOrThrow()
    const next = Number(head.sequence) + 1
    await expect(
      sql`update ledger_head set sequence = ${next}, hash = ${head.hash}`.execute(t.db),
      'onto a transaction not recorded',
    ).rejects.toThrow(/forward/)
    await expect(
      sql`update ledger_head set sequence = sequence + 2, hash = ${'f'.repeat(64)}`.execute(t.db),
      'past transactions not recorded',
    ).rejects.toThrow(/forward/)
    // Each attempt appends rows in a transaction of its own, rolled back after.
    const attempt = (
      rows: { sequence: number; prev: string; hash: string }[],
      to: { sequence: number; hash: string },
    ) =>
      t.db.transaction().execute(async (trx) => {
        for (const r of rows)
          await trx
            .insertInto('ledger_transactions')
            .values({
              sequence: r.sequence,
              version: 1,
              idempotency_key: `head-test:${r.sequence}`,
              kind: 'donation',
              occurred_at: at(9),
              recorded_at: at(9),
              refs: '{}',
              request_digest: 'test',
              prev_hash: r.prev,
              hash: r.hash,
            })
            .execute()
        await sql`update ledger_head set sequence = ${to.sequence}, hash = ${to.hash}`.execute(trx)
        throw new Error('moved')
      })
    const [h1, h2] = ['a'.repeat(64), 'b'.repeat(64)]
    const two = [
      { sequence: next, prev: head.hash, hash: h1 },
      { sequence: next + 1, prev: h1, hash: h2 },
    ]
    await expect(attempt(two, { sequence: next + 1, hash: h2 }), 'past two, onto the last').rejects.toThrow(/moved/)
    await expect(attempt(two, { sequence: next + 1, hash: h1 }), 'a hash not the last one').rejects.toThrow(/forward/)
    await expect(
      attempt([{ ...two[0]!, prev: h2 }, two[1]!], { sequence: next + 1, hash: h2 }),
      'a first transaction that does not link to the head',
    ).rejects.toThrow(/forward/)
    await expect(attempt([two[1]!], { sequence: next + 1, hash: h2 }), 'a transaction missing').rejects.toThrow(
      /forward/,
    )
    await expect(sql`update ledger_balances set balance = -1 where account = ${F}`.execute(t.db)).rejects.toThrow()
  })

  it('exports every dataset as JSON lines and CSV without personal data', async () => {
    for (const dataset of ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces'] as const) {
      let jsonl = ''
      for await (const chunk of exportDataset(t.db, { dataset, format: 'jsonl', batchSize: 3 })) jsonl += chunk
      let csv = ''
      for await (const chunk of exportDataset(t.db, { dataset, format: 'csv', batchSize: 3 })) csv += chunk
      const lines = jsonl.trim().split('\n')
      expect(lines.length).toBeGreaterThan(0)
      expect(csv.trim().split('\n').length).toBe(lines.length + 1)
    }
  })
})

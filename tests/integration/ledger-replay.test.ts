// Replays through the one posting path, for every kind: the same key with the same content
// returns the earlier transaction and writes nothing; the same key with other content is
// refused (IdempotencyConflictError) and writes nothing. The request digests and hashes
// stored for a fixed history are frozen here: they were written by the code before the
// posting path was one helper, so replays of rows in existing databases still match.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GENERAL_FUND,
  IdempotencyConflictError,
  fundOfCampaign,
  inTransaction,
  post,
  postAward,
  postAwards,
  postCorrection,
  postDonation,
  postFundTransfer,
  postPayout,
  postRefund,
  verifyLedger,
  type Posted,
  type Trx,
} from '~/modules/ledger'
import { writeVersionForTests } from '~/modules/ledger/write.server'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

const at = (day: number) => new Date(Date.UTC(2026, 8, 1 + day)).toISOString()
const F = fundOfCampaign(1)
const G = fundOfCampaign(2)

type Case = { kind: string; again: (trx: Trx) => Promise<Posted | Posted[]>; other: (trx: Trx) => Promise<unknown> }

const donation = {
  idempotencyKey: 'd1',
  donationRef: 'D-1',
  fund: F,
  amount: 30000,
  fee: 900,
  currency: 'CNY',
  paidAt: at(0),
  displayName: '张*',
}
const general = { ...donation, idempotencyKey: 'd2', donationRef: 'D-2', fund: GENERAL_FUND, fee: 0, paidAt: at(1) }
const refund = {
  idempotencyKey: 'r1',
  donationRef: 'D-1',
  amount: 1000,
  currency: 'CNY',
  occurredAt: at(2),
  reason: 'refund' as const,
}
const dispute = { ...refund, idempotencyKey: 'x1', amount: 500, reason: 'dispute' as const, refs: { case: 'dp_1' } }
const award = {
  idempotencyKey: 'a1',
  fund: F,
  beneficiaryId: 7,
  beneficiaryCode: 'HP-530627-0007',
  amount: 12000,
  currency: 'CNY',
  occurredAt: at(3),
  refs: { programme: 'sunshine-bursary', term: '2026-autumn' },
}
const batch = [
  { ...award, idempotencyKey: 'b1', beneficiaryId: 8, beneficiaryCode: 'HP-530627-0008', amount: 2000 },
  { ...award, idempotencyKey: 'b2', beneficiaryId: 9, beneficiaryCode: 'HP-530627-0009', amount: 3000 },
]
const payout = { idempotencyKey: 'p1', beneficiaryId: 7, amount: 5000, currency: 'CNY', occurredAt: at(4) }
const transfer = { idempotencyKey: 't1', from: GENERAL_FUND, to: G, amount: 7000, currency: 'CNY', occurredAt: at(5) }
const raw = {
  idempotencyKey: 'raw1',
  kind: 'donation' as const,
  transfers: [{ from: 'external:donors', to: 'external:fees', amount: 5, currency: 'CNY' }],
  occurredAt: at(6),
}

// Written by the posting code before it was one helper (commit 1b19c62): sequence → [request digest, hash].
const FROZEN: Record<number, [string, string]> = {
  1: [
    'e1d02c00d04abd7e38790677fae69cbed2fdf617af2a6f93a30496d03481609e',
    'caab2fd717afb663e2e885813e9ebd1bb926d9c86cbbd8f6395fc791132dad54',
  ],
  2: [
    'dd91de4e338d8b508602c5c8b967d62b68fd49baf46c19a739ecbf71974dc6fc',
    '1b204b33c45b4ff03a124e0f04d106c7c06b209b0a43d02677bf223e97a223c4',
  ],
  3: [
    'fba625e7b76e924061217e7c89db7baa83cc0b0dc63931d55cba386b5d1f4e17',
    '3d342424e4f348de606449c6209307d08e7064cfaa918d5ba826e069a2ceba12',
  ],
  4: [
    'b6e72e1ad1c3596ca3d14c00e0d7250f91a9c78600dd0c5a5e2c4ce2bc49c98e',
    'b38035f117035a88eeacdeda5206d2f1758a1eab141619dbc4c29788ef180dfc',
  ],
  5: [
    'd53a8cd5fdbb3b17a0295610887f59d83ee546604704ac71e763b81ed6254f5f',
    '565c3bd9b0f02fea802ba33ebfa9a83225aaec6bdd4184360e00a3943bfa8f7b',
  ],
  6: [
    '98c9da9e2f5a6196711aab013b8ed51558d9eff9b8dbd889585dc11d3d0a59a8',
    '1c33886a164bfaa60fd869344b4ed189b55e570f08087d6d1a20808cd87ba407',
  ],
  7: [
    'bd2a060841ed481d7a4e3370ca65ca5bd7a3e60f01cfff39b487e57209de1ad4',
    'f5d43e12184729ad896700f240a343b086a8814034aec36932ef079f00ca5192',
  ],
  8: [
    'a8b0c59d228d7881599be32c8391bda76509b82d874e80e359a3ff12a8447d45',
    '13d26b7fa6a49bfd2d2aa6737094209d3cb25aa7ae6bb6b35fc5cdc73813f146',
  ],
  9: [
    '556bc6c9f31468371c03567d73f30e8b094500d01d954f40403fb951feb02458',
    '3b6f90f2a2cf2bfa3b28a3beeef35f9611855fe4e2335f281141232047b7c7f2',
  ],
  10: [
    '49d5d73c449e2f725d20e5160a6d4b15531084a3d69471e725e2699bfa1077b1',
    '90b861f4a713a8084d8609321d86c0ec7be5f650d234e10491c89ace425917c5',
  ],
  11: [
    '7272c4ad7455d55b3f1f3d24aee048927bc6779fa2147067a62354d00cb6855f',
    '31f5406d839742a84fdb89789ed3d71bf10222173058b03def25cf4ca5a017ac',
  ],
}

describe.skipIf(skipReason)(`ledger replays on ${testDialect}`, () => {
  let t: TestDb
  let corrected: number
  let verified: Awaited<ReturnType<typeof verifyLedger>>
  let correction: { idempotencyKey: string; corrects: number; occurredAt: string; reason: string }
  beforeAll(async () => {
    t = await createTestDb()
    // Frozen hashes are version-1 records: a database from before version 2 keeps them.
    writeVersionForTests(1)
    await inTransaction(t.db, async (trx) => {
      await postDonation(trx, donation)
      await postDonation(trx, general)
      await postRefund(trx, refund)
      await postRefund(trx, dispute)
      await postAward(trx, award)
      await postAwards(trx, batch)
      await postPayout(trx, payout)
      corrected = (await postFundTransfer(trx, transfer)).sequence
      correction = { idempotencyKey: 'c1', corrects: corrected, occurredAt: at(6), reason: 'wrong fund' }
      await postCorrection(trx, correction)
    })
    // A raw post follows no kind's tracing rule, so the history is verified before it.
    verified = await verifyLedger(t.db)
    await inTransaction(t.db, (trx) => post(trx, raw))
    writeVersionForTests(2)
  })
  afterAll(async () => {
    writeVersionForTests(2)
    await t?.destroy()
  })

  const stored = () =>
    t.db.selectFrom('ledger_transactions').select(['sequence', 'request_digest', 'hash']).orderBy('sequence').execute()
  const rowCounts = async () => {
    const out: Record<string, number> = {}
    for (const table of [
      'ledger_transactions',
      'ledger_transfers',
      'ledger_traces',
      'ledger_lots',
      'ledger_donations',
    ] as const)
      out[table] = Number(
        (
          await t.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    out.balances = (await t.db.selectFrom('ledger_balances').selectAll().execute()).reduce(
      (n, b) => n + Math.abs(b.balance),
      0,
    )
    return out
  }

  it('stores the same request digests and hashes as the code before the one posting path', async () => {
    const rows = await stored()
    expect(rows.length).toBe(11)
    if (process.env.LEDGER_REPLAY_CAPTURE)
      console.log(JSON.stringify(Object.fromEntries(rows.map((r) => [r.sequence, [r.request_digest, r.hash]]))))
    expect(Object.fromEntries(rows.map((r) => [r.sequence, [r.request_digest, r.hash]]))).toEqual(FROZEN)
    expect(verified).toMatchObject({ ok: true, transactions: 10 })
  })

  const cases = (): Case[] => [
    {
      kind: 'donation',
      again: (trx) => postDonation(trx, donation),
      other: (trx) => postDonation(trx, { ...donation, fee: 901 }),
    },
    {
      kind: 'refund',
      again: (trx) => postRefund(trx, refund),
      other: (trx) => postRefund(trx, { ...refund, amount: 999 }),
    },
    {
      kind: 'dispute',
      again: (trx) => postRefund(trx, dispute),
      other: (trx) => postRefund(trx, { ...dispute, refs: { case: 'dp_2' } }),
    },
    {
      kind: 'award',
      again: (trx) => postAward(trx, award),
      other: (trx) => postAward(trx, { ...award, beneficiaryCode: 'HP-530627-0070' }),
    },
    {
      kind: 'award batch',
      again: (trx) => postAwards(trx, batch),
      other: (trx) => postAwards(trx, [batch[0]!, { ...batch[1]!, amount: 3001 }]),
    },
    {
      kind: 'payout',
      again: (trx) => postPayout(trx, payout),
      other: (trx) => postPayout(trx, { ...payout, occurredAt: at(9) }),
    },
    {
      kind: 'fund_transfer',
      again: (trx) => postFundTransfer(trx, transfer),
      other: (trx) => postFundTransfer(trx, { ...transfer, to: fundOfCampaign(3) }),
    },
    {
      kind: 'correction',
      again: (trx) => postCorrection(trx, correction),
      other: (trx) => postCorrection(trx, { ...correction, reason: 'duplicate' }),
    },
    {
      kind: 'raw post',
      again: (trx) => post(trx, raw),
      other: (trx) => post(trx, { ...raw, transfers: [{ ...raw.transfers[0]!, amount: 6 }] }),
    },
  ]

  for (const [i, name] of cases()
    .map((c) => c.kind)
    .entries()) {
    it(`a ${name} replayed returns the earlier transaction; other content under its key is refused`, async () => {
      const c = cases()[i]!
      const before = { rows: await stored(), counts: await rowCounts() }
      const again = await inTransaction(t.db, c.again)
      for (const p of Array.isArray(again) ? again : [again]) {
        expect(p.created).toBe(false)
        expect(before.rows.find((r) => r.sequence === p.sequence)?.hash).toBe(p.hash)
      }
      await expect(inTransaction(t.db, c.other)).rejects.toBeInstanceOf(IdempotencyConflictError)
      expect({ rows: await stored(), counts: await rowCounts() }).toEqual(before)
    })
  }
})

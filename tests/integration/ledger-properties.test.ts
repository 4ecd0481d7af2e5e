// Property: any sequence of ledger commands (including replays and refused ones)
// keeps the books whole. Checked after every step, on this project's dialect.
import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GENERAL_FUND,
  IdempotencyConflictError,
  InsufficientFundsError,
  LedgerInputError,
  fundOfCampaign,
  fundOfSponsorship,
  inTransaction,
  postAward,
  postAwards,
  postCorrection,
  postDonation,
  postFundTransfer,
  postPayout,
  postRefund,
  verifyLedger,
  type Posted,
} from '~/modules/ledger'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

const currency = fc.constantFrom('CNY', 'CNY', 'CNY', 'HKD')
const gift = fc.integer({ min: 100, max: 40_000 })
const amount = fc.integer({ min: 1, max: 12_000 })
const command = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('donation' as const),
      fund: fc.nat(3),
      amount: gift,
      feePermille: fc.constantFrom(0, 0, 34, 1000),
      currency,
      day: fc.nat(30),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('refund' as const),
      donation: fc.nat(),
      amount,
      reason: fc.constantFrom('refund' as const, 'dispute' as const),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('award' as const),
      fund: fc.nat(3),
      student: fc.integer({ min: 1, max: 3 }),
      amount,
      currency,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('batch' as const),
      fund: fc.nat(3),
      students: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
      amount,
      currency,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('payout' as const),
      student: fc.integer({ min: 1, max: 3 }),
      amount: fc.integer({ min: 1, max: 3_000 }),
      currency,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('transfer' as const), from: fc.nat(3), to: fc.nat(3), amount, currency }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('correct' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('replay' as const), pick: fc.nat(), tweak: fc.boolean() }) },
)

describe.skipIf(skipReason)(`ledger properties on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
  })
  afterAll(async () => t?.destroy())

  async function checkBooks(step: string) {
    const totals = await t.db
      .selectFrom('ledger_balances')
      .select((eb) => ['currency', eb.fn.sum<number>('balance').as('s')])
      .groupBy('currency')
      .execute()
    for (const r of totals) expect(Number(r.s), `${step}: books net to zero in ${r.currency}`).toBe(0)
    const negative = await t.db
      .selectFrom('ledger_balances')
      .selectAll()
      .where('balance', '<', 0)
      .where((eb) => eb.or([eb('account', 'like', 'fund:%'), eb('account', 'like', 'payable:%')]))
      .execute()
    expect(negative, `${step}: no fund or payable negative`).toEqual([])
    // Each donation's awarded shares (net of reversals) never exceed its net amount.
    const over = await sql<{ donation_id: number }>`
      select l.donation_id from ledger_traces t join ledger_lots l on l.id = t.lot_id join ledger_donations d on d.id = l.donation_id
      left join ledger_traces p on p.id = t.parent_id
      group by l.donation_id, d.gross, d.fee
      having sum(case when t.kind = 'award' then t.amount when t.kind = 'reversal' and p.kind = 'award' then -t.amount else 0 end) > d.gross - d.fee`.execute(
      t.db,
    )
    expect(over.rows, `${step}: traced shares within net`).toEqual([])
    // Traces out of a fund equal the awards out of it.
    const traced = await sql<{ fund: string; n: number }>`
      select l.fund as fund, sum(t.amount) as n from ledger_traces t join ledger_lots l on l.id = t.lot_id where t.kind = 'award' group by l.fund order by l.fund`.execute(
      t.db,
    )
    const awarded = await sql<{ fund: string; n: number }>`
      select f.from_account as fund, sum(f.amount) as n from ledger_transfers f join ledger_transactions x on x.sequence = f.sequence
      where x.kind = 'award' group by f.from_account order by f.from_account`.execute(t.db)
    expect(
      traced.rows.map((r) => [r.fund, Number(r.n)]),
      `${step}: traces = awards per fund`,
    ).toEqual(awarded.rows.map((r) => [r.fund, Number(r.n)]))
    const verified = await verifyLedger(t.db)
    expect(verified.firstError, step).toBeUndefined()
  }

  it('keeps every invariant under random command sequences', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 25 }), async (commands) => {
        run++
        // Each run gets its own funds and students, so runs exercise fresh and shared state alike.
        const funds = [GENERAL_FUND, fundOfCampaign(run), fundOfCampaign(run + 1000), fundOfSponsorship(run)]
        const student = (n: number) => run * 10 + n
        const donations: { ref: string; currency: string }[] = []
        const done: { sequence: number; redo: (tweak: boolean) => Promise<Posted> }[] = []
        let n = 0
        for (const c of commands) {
          n++
          const key = `r${run}-${n}`
          const day = new Date(Date.UTC(2026, 0, 1 + ('day' in c ? c.day : n))).toISOString()
          let action: ((tweak: boolean) => Promise<Posted>) | undefined
          switch (c.op) {
            case 'donation': {
              const ref = `D-${run}-${n}`
              action = (tweak) =>
                inTransaction(t.db, (trx) =>
                  postDonation(trx, {
                    idempotencyKey: key,
                    donationRef: ref,
                    fund: funds[c.fund]!,
                    amount: c.amount + (tweak ? 1 : 0),
                    fee: Math.floor((c.amount * c.feePermille) / 1000),
                    currency: c.currency,
                    paidAt: day,
                    displayName: '爱心人士',
                  }),
                )
              donations.push({ ref, currency: c.currency })
              break
            }
            case 'refund': {
              const d = donations[c.donation % Math.max(1, donations.length)]
              if (d)
                action = (tweak) =>
                  inTransaction(t.db, (trx) =>
                    postRefund(trx, {
                      idempotencyKey: key,
                      donationRef: d.ref,
                      amount: c.amount + (tweak ? 1 : 0),
                      currency: d.currency,
                      occurredAt: day,
                      reason: c.reason,
                    }),
                  )
              break
            }
            case 'award':
              action = (tweak) =>
                inTransaction(t.db, (trx) =>
                  postAward(trx, {
                    idempotencyKey: key,
                    fund: funds[c.fund]!,
                    beneficiaryId: student(c.student),
                    beneficiaryCode: `HP-530627-${student(c.student)}`,
                    amount: c.amount + (tweak ? 1 : 0),
                    currency: c.currency,
                    occurredAt: day,
                    refs: { programme: 'sunshine-bursary', term: '2026-autumn' },
                  }),
                )
              break
            case 'batch':
              // An award batch: one call, several award transactions, all or nothing.
              action = async (tweak) =>
                (
                  await inTransaction(t.db, (trx) =>
                    postAwards(
                      trx,
                      c.students.map((st, j) => ({
                        idempotencyKey: `${key}-${j}`,
                        fund: funds[c.fund]!,
                        beneficiaryId: student(st),
                        beneficiaryCode: `HP-530627-${student(st)}`,
                        amount: Math.ceil(c.amount / c.students.length) + j + (tweak ? 1 : 0),
                        currency: c.currency,
                        occurredAt: day,
                      })),
                    ),
                  )
                )[0]!
              break
            case 'payout':
              action = (tweak) =>
                inTransaction(t.db, (trx) =>
                  postPayout(trx, {
                    idempotencyKey: key,
                    beneficiaryId: student(c.student),
                    amount: c.amount + (tweak ? 1 : 0),
                    currency: c.currency,
                    occurredAt: day,
                  }),
                )
              break
            case 'transfer':
              if (c.from !== c.to)
                action = (tweak) =>
                  inTransaction(t.db, (trx) =>
                    postFundTransfer(trx, {
                      idempotencyKey: key,
                      from: funds[c.from]!,
                      to: funds[c.to]!,
                      amount: c.amount + (tweak ? 1 : 0),
                      currency: c.currency,
                      occurredAt: day,
                    }),
                  )
              break
            case 'correct': {
              const target = done[c.pick % Math.max(1, done.length)]
              if (target)
                action = (tweak) =>
                  inTransaction(t.db, (trx) =>
                    postCorrection(trx, {
                      idempotencyKey: key,
                      corrects: target.sequence,
                      occurredAt: day,
                      reason: tweak ? 'other' : 'mistake',
                    }),
                  )
              break
            }
            case 'replay': {
              const target = done[c.pick % Math.max(1, done.length)]
              if (!target) break
              if (c.tweak) await expect(target.redo(true)).rejects.toBeInstanceOf(IdempotencyConflictError)
              else expect(await target.redo(false)).toMatchObject({ sequence: target.sequence, created: false })
              break
            }
          }
          if (action) {
            try {
              const posted = await action(false)
              expect(posted.created).toBe(true)
              done.push({ sequence: posted.sequence, redo: action })
            } catch (error) {
              // Refusals are fine (and must leave nothing behind); anything else is a bug.
              if (!(error instanceof InsufficientFundsError || error instanceof LedgerInputError)) throw error
            }
          }
          await checkBooks(`run ${run} step ${n} (${c.op})`)
        }
      }),
      { numRuns: testDialect === 'postgres' ? 40 : 60, seed: 20261123 },
    )
    // The generator really reached every kind of transaction.
    const kinds = await t.db
      .selectFrom('ledger_transactions')
      .select((eb) => ['kind', eb.fn.countAll<number>().as('n')])
      .groupBy('kind')
      .execute()
    console.log(`ledger properties on ${testDialect}:`, Object.fromEntries(kinds.map((k) => [k.kind, Number(k.n)])))
    expect(kinds.map((k) => k.kind).sort()).toEqual([
      'award',
      'correction',
      'dispute',
      'donation',
      'fund_transfer',
      'payout',
      'refund',
    ])
  })
})

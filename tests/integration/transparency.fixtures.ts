// Ledger activity of every kind for the transparency tests (not a test file itself).
import {
  GENERAL_FUND,
  fundOfCampaign,
  inTransaction,
  postAward,
  postCorrection,
  postDonation,
  postFundTransfer,
  postPayout,
  postRefund,
} from '~/modules/ledger'
import type { DB } from '~/utils/db.server'

const at = (h: number) => new Date(Date.parse('2026-11-20T00:00:00Z') + h * 3_600_000).toISOString()

/** Extra activity of every kind on top of the demo: fees, a second currency, transfers, corrections, refunds, a dispute. */
export async function moreActivity(db: DB, tag: string) {
  const campaigns = await db.selectFrom('campaigns').select(['id', 'slug']).orderBy('id').execute()
  const students = await db
    .selectFrom('beneficiaries')
    .select(['id', 'public_code'])
    .orderBy('id')
    .offset(10)
    .limit(4)
    .execute()
  const [c1, c2] = [fundOfCampaign(campaigns[0]!.id), fundOfCampaign(campaigns[1]!.id)]
  await inTransaction(db, async (trx) => {
    for (let i = 0; i < 6; i++) {
      await postDonation(trx, {
        idempotencyKey: `${tag}:d${i}`,
        donationRef: `D-${tag}-${i}`,
        fund: i % 2 ? c1 : c2,
        amount: 100000 + i * 1000,
        fee: i % 3 ? 3430 : 0,
        currency: 'CNY',
        paidAt: at(i),
        displayName: '爱心人士',
      })
    }
    await postDonation(trx, {
      idempotencyKey: `${tag}:usd`,
      donationRef: `D-${tag}-USD`,
      fund: c1,
      amount: 5000,
      fee: 175,
      currency: 'USD',
      paidAt: at(7),
      displayName: 'Chan',
    })
    await postFundTransfer(trx, {
      idempotencyKey: `${tag}:ft`,
      from: GENERAL_FUND,
      to: c2,
      amount: 20000,
      currency: 'CNY',
      occurredAt: at(8),
    })
    const s = (i: number) => ({ beneficiaryId: Number(students[i]!.id), beneficiaryCode: students[i]!.public_code })
    const a1 = await postAward(trx, {
      idempotencyKey: `${tag}:a1`,
      fund: c2,
      ...s(0),
      amount: 80000,
      currency: 'CNY',
      occurredAt: at(9),
      refs: { programme: 'sunshine-bursary', term: '2026-autumn' },
    })
    await postAward(trx, {
      idempotencyKey: `${tag}:a2`,
      fund: c1,
      ...s(1),
      amount: 150000,
      currency: 'CNY',
      occurredAt: at(10),
      refs: { programme: 'hope-star-1-plus-1', term: '2026-autumn' },
    })
    const wrong = await postAward(trx, {
      idempotencyKey: `${tag}:a3`,
      fund: c2,
      ...s(2),
      amount: 30000,
      currency: 'CNY',
      occurredAt: at(11),
      refs: { programme: 'sunshine-bursary', term: '2026-autumn' },
    })
    await postCorrection(trx, {
      idempotencyKey: `${tag}:c3`,
      corrects: wrong.sequence,
      occurredAt: at(12),
      reason: 'wrong student',
    })
    await postPayout(trx, {
      idempotencyKey: `${tag}:p1`,
      beneficiaryId: s(0).beneficiaryId,
      amount: 50000,
      currency: 'CNY',
      occurredAt: at(13),
    })
    const p2 = await postPayout(trx, {
      idempotencyKey: `${tag}:p2`,
      beneficiaryId: s(1).beneficiaryId,
      amount: 150000,
      currency: 'CNY',
      occurredAt: at(14),
    })
    await postCorrection(trx, {
      idempotencyKey: `${tag}:c4`,
      corrects: p2.sequence,
      occurredAt: at(15),
      reason: 'bank returned the transfer',
    })
    await postRefund(trx, {
      idempotencyKey: `${tag}:r1`,
      donationRef: `D-${tag}-4`,
      amount: 50000,
      currency: 'CNY',
      occurredAt: at(16),
      reason: 'refund',
    })
    await postRefund(trx, {
      idempotencyKey: `${tag}:r2`,
      donationRef: `D-${tag}-5`,
      amount: 105000,
      currency: 'CNY',
      occurredAt: at(17),
      reason: 'dispute',
    })
    void a1
  })
}

// Demo money, booked through the ledger's own commands (never raw inserts), so the
// demo's books verify like real ones. The demo's gifts come through the real
// fulfilment path (db/seed/gifts.ts); this adds what only the ledger knows: bursary
// awards and a payout. `donations` adds ledger-only gifts (with fees and one refund)
// for databases without the giving tables' seed, e.g. tests and benchmarks.
import type { Kysely } from 'kysely'
import { fundOfCampaign, GENERAL_FUND } from '../../app/modules/ledger/accounts'
import { postAward, postPayout } from '../../app/modules/ledger/awards.server'
import { postDonation, postRefund } from '../../app/modules/ledger/donations.server'
import { getBalance } from '../../app/modules/ledger/queries.server'
import type { Database } from '../schema'

const FAMILY = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周']
const AMOUNTS = [5000, 10000, 20000, 30000, 50000, 66600, 100000, 150000, 200000]

export type SeedMoneyResult = { donations: number; awards: number }

export async function seedMoney(
  trx: Kysely<Database>,
  { now, donations = 0 }: { now: Date; donations?: number },
): Promise<SeedMoneyResult> {
  let state = 88 >>> 0
  const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32
  const campaigns = await trx.selectFrom('campaigns').select(['id', 'slug']).orderBy('id').execute()
  const funds = [...campaigns.map((c) => fundOfCampaign(c.id)), GENERAL_FUND]
  const minutes = (m: number) => new Date(now.getTime() - m * 60_000).toISOString()

  const total = donations
  for (let i = 0; i < total; i++) {
    const fund = funds[i % funds.length]!
    const amount = AMOUNTS[Math.floor(random() * AMOUNTS.length)]!
    // Card gifts carry a processor fee (3.4% + ¥0.30 at a typical rate); bank transfers none.
    const fee = i % 3 === 0 ? Math.floor((amount * 34 + 500) / 1000) + 30 : 0 // integer minor units, rounded half up
    const ref = `D-DEMO-${String(i + 1).padStart(4, '0')}`
    const displayName = random() < 0.35 ? '爱心人士' : `${FAMILY[Math.floor(random() * FAMILY.length)]}*`
    await postDonation(trx, {
      idempotencyKey: `seed:donation:${ref}`,
      donationRef: ref,
      fund,
      amount,
      fee,
      currency: 'CNY',
      // Oldest first, one every few hours over the last two months.
      paidAt: minutes((total - i) * 420),
      displayName,
    })
  }
  if (total >= 7)
    await postRefund(trx, {
      idempotencyKey: 'seed:refund:D-DEMO-0007',
      donationRef: 'D-DEMO-0007',
      amount: 10000,
      currency: 'CNY',
      occurredAt: minutes(60 * 24 * 3),
      reason: 'refund',
    })

  const bursary = campaigns.find((c) => c.slug === 'sunshine-autumn-2026')
  const students = await trx.selectFrom('beneficiaries').select(['id', 'public_code']).orderBy('id').limit(3).execute()
  let awards = 0
  if (bursary) {
    for (const s of students) {
      if ((await getBalance(trx, fundOfCampaign(bursary.id), 'CNY')) < 80000) break
      await postAward(trx, {
        idempotencyKey: `seed:award:${s.public_code}`,
        fund: fundOfCampaign(bursary.id),
        beneficiaryId: s.id,
        beneficiaryCode: s.public_code,
        amount: 80000,
        currency: 'CNY',
        occurredAt: minutes(120),
        refs: { programme: 'sunshine-bursary', term: '2026-autumn' },
      })
      awards++
    }
    const first = students[0]
    if (first && awards) {
      await postPayout(trx, {
        idempotencyKey: `seed:payout:${first.public_code}`,
        beneficiaryId: first.id,
        amount: 80000,
        currency: 'CNY',
        occurredAt: minutes(60),
        refs: { programme: 'sunshine-bursary', term: '2026-autumn' },
      })
    }
  }
  return { donations: total, awards }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { receiveWebhook } from '~/modules/donations/receive.server'
import { Refusal } from '~/utils/refusal'
import { fundOfSponsorship, fundOfWish, getBalance, getDonationTrace } from '~/modules/ledger'
import { activatePaidSponsorships } from '~/modules/sponsorships/lifecycle.server'
import { startSponsorship } from '~/modules/sponsorships/start.server'
import { claimWish, createWish, fulfilWish, getPublicWish } from '~/modules/wishes/wishes.server'
import { skipReason, testDialect } from '../support/db'
import { givingFixture, WEBHOOK_SECRET } from '../support/giving'
import * as ev from '../support/stripe-events'
import { freeStudents, stationPath, userIdOf } from './scholarship.fixtures'
import { minimalPdf } from '../support/proof-files'

// Sponsorships and micro-wishes paid through the real giving flow (checkout, signed
// webhook, fulfilment): donor → wish fund → student payout, donor → sponsorship fund.

/** Checkout refuses the gift's target, on the designation field. */
async function expectTargetRefused(checkout: Promise<unknown>) {
  await expect(checkout).rejects.toBeInstanceOf(Refusal)
  await expect(checkout).rejects.toMatchObject({ messageKey: 'donate.error.target', field: 'designation' })
}

describe.skipIf(skipReason)(`sponsorship and wish gifts through checkout on ${testDialect}`, () => {
  let f: Awaited<ReturnType<typeof givingFixture>>
  let actor: { id: number; scope: string[]; ip: string }
  beforeAll(async () => {
    f = await givingFixture()
    actor = {
      id: await userIdOf(f.db, 'caseworker.zhenxiong@hope.demo'),
      scope: [await stationPath(f.db, '530627')],
      ip: '203.0.113.60',
    }
  })
  afterAll(async () => f?.destroy())

  const pay = async (d: { publicId: string; intentId: string; donation: { amount: number } }) => {
    const { payload, signature } = ev.sign(
      ev.sessionCompleted({ publicId: d.publicId, intentId: d.intentId, amount: d.donation.amount }),
      WEBHOOK_SECRET,
    )
    await receiveWebhook(f.db, f.provider, payload, signature)
  }

  it('a claimed wish is paid through checkout into its fund, then fulfilled to the student', async () => {
    const [s] = await freeStudents(f.db, '530627101', 1)
    const wishId = await createWish(f.db, actor, {
      beneficiaryId: s!.id,
      item: '一个书包',
      story: '想要一个新书包。',
      price: 9900,
    })
    await claimWish(f.db, { wishId })
    const gift = await f.checkout(
      { designation: 'wish', targetId: String(wishId), amountChoice: 'custom', customAmount: '99.00' },
      0,
    )
    expect(gift.donation).toMatchObject({ fund: fundOfWish(wishId), designation: 'wish', target_id: wishId })
    await pay(gift)
    expect(await getBalance(f.db, fundOfWish(wishId), 'CNY')).toBe(9900)
    expect((await getPublicWish(f.db, wishId))!.state).toBe('funded')
    // A funded wish takes no more gifts.
    await expectTargetRefused(
      f.checkout({ designation: 'wish', targetId: String(wishId), amountChoice: 'custom', customAmount: '99.00' }),
    )
    await fulfilWish(f.db, actor, { wishId, proof: minimalPdf('receipt') })
    const trace = await getDonationTrace(f.db, gift.publicId)
    expect(trace!.shares).toEqual([expect.objectContaining({ beneficiaryCode: s!.code, amount: 9900, paid: 9900 })])
  })

  it('a sponsorship gift goes to the sponsorship fund and activates it; unknown targets are refused', async () => {
    const [s] = await freeStudents(f.db, '530627101', 1)
    const hope = Number(
      (
        await f.db
          .selectFrom('programmes')
          .select('id')
          .where('slug', '=', 'hope-star-1-plus-1')
          .executeTakeFirstOrThrow()
      ).id,
    )
    const sp = await startSponsorship(f.db, {
      beneficiaryId: s!.id,
      programmeId: hope,
      schoolYear: '2026-2027',
      frequency: 'once',
      donorName: '测试',
      donorEmail: 'sp@example.test',
      locale: 'zh-CN',
    })
    const gift = await f.checkout(
      { designation: 'sponsorship', targetId: String(sp.id), amountChoice: 'custom', customAmount: '1500' },
      0,
    )
    expect(gift.donation.fund).toBe(fundOfSponsorship(sp.id))
    await pay(gift)
    expect(await activatePaidSponsorships(f.db)).toBe(1)
    expect(
      (await f.db.selectFrom('sponsorships').select('status').where('id', '=', sp.id).executeTakeFirstOrThrow()).status,
    ).toBe('active')
    await expectTargetRefused(f.checkout({ designation: 'sponsorship', targetId: '999999' }))
    await expectTargetRefused(f.checkout({ designation: 'wish', targetId: '999999' }))
  })
})

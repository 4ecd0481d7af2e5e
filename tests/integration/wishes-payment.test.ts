import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fundOfWish, getBalance, postDonation } from '~/modules/ledger'
import { createWish, fulfilWish, wishForCheckout } from '~/modules/wishes/wishes.server'
import { skipReason, testDialect } from '../support/db'
import { givingFixture } from '../support/giving'
import { freeStudents, stationPath, userIdOf } from './scholarship.fixtures'
import { minimalPdf } from '../support/proof-files'

// A micro-wish is paid once, for its price or what remains of it; it never takes a monthly
// gift; and it is marked fulfilled only when its price has been given (a ¥99 wish took a
// ¥50 monthly gift and was then marked 已实现).

const PDF = minimalPdf('shop receipt')

describe.skipIf(skipReason)(`micro-wish payments on ${testDialect}`, () => {
  let f: Awaited<ReturnType<typeof givingFixture>>
  let actor: { id: number; scope: string[]; ip: string }
  beforeAll(async () => {
    f = await givingFixture()
    actor = {
      id: await userIdOf(f.db, 'caseworker.zhenxiong@hope.demo'),
      scope: [await stationPath(f.db, '530627')],
      ip: '203.0.113.41',
    }
  })
  afterAll(async () => f?.destroy())

  const newWish = async (price: number) => {
    const [s] = await freeStudents(f.db, '530627101', 1)
    const id = await createWish(f.db, actor, {
      beneficiaryId: s!.id,
      item: '一个新书包',
      story: '旧书包的背带断了，想要一个结实的书包。',
      price,
    })
    return { id, student: s! }
  }
  const arrived = (wishId: number, amount: number, n: number) =>
    f.db.transaction().execute((trx) =>
      postDonation(trx, {
        idempotencyKey: `test:wish-payment:${wishId}:${n}`,
        donationRef: `D-WP-${wishId}-${n}`,
        fund: fundOfWish(wishId),
        amount,
        fee: 0,
        currency: 'CNY',
        paidAt: new Date().toISOString(),
        displayName: '爱心人士',
      }),
    )

  it('refuses a monthly gift and any amount but what remains, and takes exactly that once', async () => {
    const { id } = await newWish(9900)
    const monthlyBefore = await f.db.selectFrom('recurring_gifts').select('id').execute()
    const gift = (extra: Record<string, string>) =>
      f.checkout({ designation: 'wish', targetId: String(id), amountChoice: 'custom', ...extra })
    await expect(gift({ customAmount: '50.00', frequency: 'monthly' })).rejects.toMatchObject({
      field: 'frequency',
      messageKey: 'wishes.error.once',
    })
    await expect(gift({ customAmount: '99.00', frequency: 'monthly' })).rejects.toMatchObject({
      messageKey: 'wishes.error.once',
    })
    await expect(gift({ customAmount: '50.00' })).rejects.toMatchObject({
      field: 'customAmount',
      messageKey: 'wishes.error.amount',
    })
    await expect(gift({ customAmount: '120.00' })).rejects.toMatchObject({ messageKey: 'wishes.error.amount' })
    await expect(gift({ customAmount: '99.00', currency: 'HKD' })).rejects.toMatchObject({
      messageKey: 'wishes.error.amount',
    })
    expect(await f.db.selectFrom('recurring_gifts').select('id').execute()).toEqual(monthlyBefore)

    // ¥40 already arrived (an earlier gift): what remains is ¥59, and only that is taken.
    await arrived(id, 4000, 1)
    expect((await wishForCheckout(f.db, id))!.remaining).toBe(5900)
    await expect(gift({ customAmount: '99.00' })).rejects.toMatchObject({ messageKey: 'wishes.error.amount' })
    const { donation } = await gift({ customAmount: '59.00' })
    expect(donation).toMatchObject({ amount: 5900, currency: 'CNY' })

    // Once its price has arrived the wish takes nothing more.
    await arrived(id, 5900, 2)
    expect(await wishForCheckout(f.db, id)).toBeNull()
    await expect(gift({ customAmount: '1.00' })).rejects.toMatchObject({
      field: 'designation',
      messageKey: 'donate.error.target',
    })
  })

  it('is marked fulfilled only when fully funded', async () => {
    const { id, student } = await newWish(9900)
    await arrived(id, 5000, 1)
    await expect(fulfilWish(f.db, actor, { wishId: id, proof: PDF })).rejects.toMatchObject({
      messageKey: 'wishes.error.notFunded',
    })
    expect(await getBalance(f.db, fundOfWish(id), 'CNY')).toBe(5000)
    await arrived(id, 4900, 2)
    expect(await fulfilWish(f.db, actor, { wishId: id, proof: PDF })).toBe('fulfilled')
    expect(await getBalance(f.db, fundOfWish(id), 'CNY')).toBe(0)
    expect(await getBalance(f.db, `paid:beneficiary:${student.id}`, 'CNY')).toBe(9900)
  })
})

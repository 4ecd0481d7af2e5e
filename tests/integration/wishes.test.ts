import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fundOfWish, getBalance, postDonation } from '~/modules/ledger'
import {
  claimWish,
  createWish,
  currentHolder,
  fulfilWish,
  getPublicWish,
  listPublicWishes,
  releaseWish,
} from '~/modules/wishes/wishes.server'
import * as wishesPage from '~/routes/wishes._index'
import { Refusal } from '~/utils/refusal'
import { BASE, call, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { freeStudents, stationPath, userIdOf } from './scholarship.fixtures'
import { minimalPdf } from '../support/proof-files'

// Micro-wishes: exactly one holder under 50 concurrent claims (a pool of 10 on
// PostgreSQL, so they really run at once), expiry computed from the claim time, the
// public list shows nothing personal, fulfilment moves donor → wish → payout.

const PDF = minimalPdf('shop receipt')
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])

describe.skipIf(skipReason)(`micro-wishes on ${testDialect}`, () => {
  let t: TestDb
  let actor: { id: number; scope: string[]; ip: string }
  beforeAll(async () => {
    t = await seededDb()
    actor = {
      id: await userIdOf(t.db, 'caseworker.zhenxiong@hope.demo'),
      scope: [await stationPath(t.db, '530627')],
      ip: '203.0.113.40',
    }
  })
  afterAll(async () => t?.destroy())

  it('50 concurrent claims of one wish leave exactly one holder', async () => {
    const [s] = await freeStudents(t.db, '530627101', 1)
    const id = await createWish(t.db, actor, {
      beneficiaryId: s!.id,
      item: '一件棉衣',
      story: '冬天很冷，想要一件棉衣。',
      price: 15000,
    })
    const now = new Date()
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => claimWish(t.db, { wishId: id }, now)))
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(49)
    expect(lost.every((r) => r.reason instanceof Refusal && r.reason.messageKey === 'wishes.error.held')).toBe(true)
    const token = (won[0] as PromiseFulfilledResult<{ token: string }>).value.token
    expect(await currentHolder(t.db, id, now)).toBe(token)
    expect(await t.db.selectFrom('wish_claims').select('token').where('wish_id', '=', id).execute()).toEqual([
      { token },
    ])
    expect((await getPublicWish(t.db, id, now))!.state).toBe('held')
  })

  it('an expired claim is released: 30 minutes after the claim anyone may claim again', async () => {
    const [s] = await freeStudents(t.db, '530627101', 1)
    const id = await createWish(t.db, actor, {
      beneficiaryId: s!.id,
      item: '一个书包',
      story: '想要一个结实的书包。',
      price: 9900,
    })
    const t0 = new Date('2026-11-23T09:00:00Z')
    const first = await claimWish(t.db, { wishId: id }, t0)
    expect(first.heldUntil).toBe('2026-11-23T09:30:00.000Z')
    await expect(claimWish(t.db, { wishId: id }, new Date('2026-11-23T09:29:59Z'))).rejects.toMatchObject({
      messageKey: 'wishes.error.held',
    })
    const later = new Date('2026-11-23T09:30:01Z')
    expect(await currentHolder(t.db, id, later)).toBeNull()
    expect((await getPublicWish(t.db, id, later))!.state).toBe('open')
    const second = await claimWish(t.db, { wishId: id }, later)
    expect(second.token).not.toBe(first.token)
    expect(await currentHolder(t.db, id, later)).toBe(second.token)
    // The old holder can no longer release it; the new one can.
    expect(await releaseWish(t.db, { wishId: id, token: first.token })).toBe(false)
    expect(await releaseWish(t.db, { wishId: id, token: second.token })).toBe(true)
  })

  it('the public list shows only item, story, price, county, grade and pseudonym', async () => {
    const wishes = await listPublicWishes(t.db)
    expect(wishes.length).toBeGreaterThan(0)
    for (const w of wishes)
      expect(Object.keys(w).sort()).toEqual([
        'county',
        'countyEn',
        'currency',
        'grade',
        'id',
        'item',
        'price',
        'publicCode',
        'state',
        'story',
      ])
    const names = (await t.db.selectFrom('beneficiaries').select(['legal_name', 'school']).execute()).flatMap((b) => [
      b.legal_name,
      b.school,
    ])
    const text = JSON.stringify(wishes)
    expect(names.filter((n) => text.includes(n))).toEqual([])
    // The demo has open and fulfilled wishes.
    const all = await listPublicWishes(t.db, { includeDone: true })
    expect(all.some((w) => w.state === 'fulfilled')).toBe(true)
    expect(all.some((w) => w.state === 'open')).toBe(true)
  })

  it('a story with personal data is refused', async () => {
    const { WishInput } = await import('~/modules/wishes/schema')
    expect(
      WishInput.safeParse({ beneficiaryId: 1, item: '书包', story: '我在镇雄第一小学读书', price: '99' }).success,
    ).toBe(false)
    expect(
      WishInput.safeParse({ beneficiaryId: 1, item: '书包', story: '电话 13800000000', price: '99' }).success,
    ).toBe(false)
  })

  it('fulfilment with proof moves the money donor → wish fund → student payout; a photo needs consent', async () => {
    const [s] = await freeStudents(t.db, '530627101', 1)
    const id = await createWish(t.db, actor, {
      beneficiaryId: s!.id,
      item: '一双棉鞋',
      story: '想要一双暖和的鞋子。',
      price: 8800,
    })
    await expect(fulfilWish(t.db, actor, { wishId: id, proof: PDF })).rejects.toMatchObject({
      messageKey: 'wishes.error.notFunded',
    })
    await t.db.transaction().execute((trx) =>
      postDonation(trx, {
        idempotencyKey: `test:wish:${id}`,
        donationRef: `D-WISH-${id}`,
        fund: fundOfWish(id),
        amount: 8800,
        fee: 0,
        currency: 'CNY',
        paidAt: new Date().toISOString(),
        displayName: '爱心人士',
      }),
    )
    expect((await getPublicWish(t.db, id))!.state).toBe('funded')
    await expect(claimWish(t.db, { wishId: id })).rejects.toMatchObject({ messageKey: 'wishes.error.unavailable' })
    // The fixture's consent does not include photos.
    await expect(fulfilWish(t.db, actor, { wishId: id, proof: PNG })).rejects.toMatchObject({
      messageKey: 'wishes.error.photoConsent',
    })
    expect(await fulfilWish(t.db, actor, { wishId: id, proof: PDF })).toBe('fulfilled')
    expect(await getBalance(t.db, fundOfWish(id), 'CNY')).toBe(0)
    expect(await getBalance(t.db, `paid:beneficiary:${s!.id}`, 'CNY')).toBe(8800)
    const traces = await t.db
      .selectFrom('ledger_traces')
      .select(['kind', 'beneficiary_code'])
      .where('beneficiary_id', '=', s!.id)
      .orderBy('id')
      .execute()
    expect(traces.map((x) => x.kind)).toEqual(['award', 'payout'])
    expect(traces[0]!.beneficiary_code).toBe(s!.code)
  })

  it('the public claim page leads the holder into the giving flow, and one client cannot hold every wish', async () => {
    const students = await freeStudents(t.db, '530627101', 6)
    const ids: number[] = []
    for (const s of students)
      ids.push(
        await createWish(t.db, actor, { beneficiaryId: s.id, item: '一本字典', story: '想要一本字典。', price: 3500 }),
      )
    const claim = (wishId: number) =>
      call(
        wishesPage.action,
        new Request(`${BASE}/wishes`, {
          method: 'POST',
          headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ intent: 'claim', wishId: String(wishId) }).toString(),
        }),
        {},
        { clientIp: '198.51.100.23' },
      )
    const first = await claim(ids[0]!)
    expect(first.status).toBe(303)
    expect(first.location).toMatch(new RegExp(`^/donate\\?wish=${ids[0]}&claim=w_`))
    expect((await claim(ids[0]!)).status).toBe(409) // held, by this very client too
    for (const id of ids.slice(1, 4)) expect((await claim(id)).status).toBe(303)
    const limited = await claim(ids[4]!)
    expect(limited).toMatchObject({ status: 429, body: { error: 'wishes.error.tooMany' } })
  })
})

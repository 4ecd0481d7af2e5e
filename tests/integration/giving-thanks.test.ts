import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHECKOUT_COOKIE_TTL_MS, checkoutCookie, madeThisCheckout } from '~/modules/donations/checkout-cookie.server'
import * as donate from '~/routes/donate._index'
import * as demoPay from '~/routes/donate.demo.$sessionId'
import * as thanks from '~/routes/donate.thanks'
import { getEnv } from '~/utils/env.server'
import { translator } from '~/utils/i18n'
import { formatMoney } from '~/utils/money'
import { BASE, call, get, post, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// The thank-you page of a gift shows its amount and private trace link only to the browser
// that started the checkout; the public id alone (published in donations.jsonl) shows nothing.

describe.skipIf(skipReason)(`thank-you page privacy on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  async function give(email: string, frequency: 'once' | 'monthly' = 'once') {
    const o = await call(
      donate.action,
      post('/donate?index', {
        amountChoice: '10000',
        currency: 'CNY',
        frequency,
        designation: 'campaign',
        campaign: 'hope-star-2026',
        displayMode: 'family',
        name: '测试捐赠人',
        email,
      }),
    )
    expect(o.status).toBe(303)
    const cookie = /^(hl_gift_[^=]+=[^;]+)/.exec(o.setCookie ?? '')![1]!
    const row = await t.db
      .selectFrom('donations')
      .select(['public_id', 'tracking_code'])
      .where('donor_email', '=', email)
      .executeTakeFirstOrThrow()
    return { cookie, ...row, setCookie: o.setCookie!, payAt: o.location! }
  }
  /** Pays a gift on the demo pay page (no Stripe key in tests), which issues its receipt. */
  async function pay(payAt: string) {
    const sessionId = new URL(payAt, BASE).pathname.split('/').pop()!
    const paid = await call(demoPay.action, post(`/donate/demo/${sessionId}`, { intent: 'pay' }), { sessionId })
    expect(paid.status).toBe(303)
  }
  const page = async (publicId: string, cookie?: string) =>
    (await call(thanks.loader, get(`/donate/thanks?donation=${publicId}`, cookie))).body.donation

  it('the browser that started the checkout sees its gift and trace link', async () => {
    const mine = await give('thanks-a@example.test')
    expect(mine.setCookie).toMatch(/Path=\/donate; Max-Age=86400; HttpOnly; SameSite=Lax/)
    expect(await page(mine.public_id, mine.cookie)).toMatchObject({
      public_id: mine.public_id,
      tracking_code: mine.tracking_code,
    })
  })

  it('once paid, the owner sees the receipt number and its verification link; a stranger sees neither', async () => {
    const mine = await give('thanks-r@example.test')
    expect((await page(mine.public_id, mine.cookie)).receipt).toBeNull()
    await pay(mine.payAt)
    const receipt = await t.db
      .selectFrom('receipts')
      .innerJoin('donations', 'donations.id', 'receipts.donation_id')
      .select(['receipts.number', 'receipts.verification_code'])
      .where('donations.public_id', '=', mine.public_id)
      .executeTakeFirstOrThrow()
    const shown = await page(mine.public_id, mine.cookie)
    expect(shown).toMatchObject({ status: 'paid', frequency: 'once' })
    expect(shown.receipt).toEqual({
      number: receipt.number,
      verifyUrl: `/receipts/verify?number=${encodeURIComponent(receipt.number)}&code=${receipt.verification_code}`,
      pdfUrl: `/receipts/${encodeURIComponent(receipt.number)}.pdf?code=${receipt.verification_code}`,
    })
    // Without the cookie: the generic page, nothing of the gift or its receipt in the answer.
    const stranger = await call(thanks.loader, get(`/donate/thanks?donation=${mine.public_id}`))
    expect(stranger.body).toEqual({ donation: null, match: null })
    expect(JSON.stringify(stranger.body)).not.toContain(receipt.number)
  })

  it('a monthly gift says it is monthly, in both languages', async () => {
    const mine = await give('thanks-m@example.test', 'monthly')
    await pay(mine.payAt)
    const shown = await page(mine.public_id, mine.cookie)
    expect(shown).toMatchObject({ frequency: 'monthly', amount: 10000, currency: 'CNY' })
    expect(translator('zh-CN')('thanks.monthly', { amount: formatMoney(10000, 'CNY', 'zh-CN') })).toMatch(
      /^这是一笔月捐：每月 ¥100/,
    )
    expect(translator('en')('thanks.monthly', { amount: formatMoney(10000, 'CNY', 'en') })).toMatch(
      /monthly gift: (CN)?¥100(\.00)? each month/,
    )
    expect(await page(mine.public_id)).toBeNull()
  })

  it('anyone else, with any public id, sees a generic thank-you without the gift', async () => {
    const mine = await give('thanks-b@example.test')
    const other = await give('thanks-c@example.test')
    const seeded = await t.db
      .selectFrom('donations')
      .select('public_id')
      .where('status', '=', 'paid')
      .executeTakeFirstOrThrow()
    expect(await page(mine.public_id)).toBeNull()
    expect(await page(seeded.public_id)).toBeNull()
    expect(await page('D-NOSUCHGIFT')).toBeNull()
    // Someone else's cookie, renamed for this gift, does not open it.
    expect(await page(mine.public_id, other.cookie.replace(other.public_id, mine.public_id))).toBeNull()
    // Nor does a cookie with its expiry pushed out.
    const [, expires, sig] = /=(\d+)\.(.+)$/.exec(mine.cookie)!
    expect(
      await page(mine.public_id, mine.cookie.replace(`${expires}.${sig}`, `${Number(expires) + 1}.${sig}`)),
    ).toBeNull()
    const response = (await thanks.headers()) as Record<string, string>
    expect(response['Cache-Control']).toContain('no-store')
  })

  it('the signed value expires after a day', () => {
    const secret = getEnv().SESSION_SECRET
    const now = Date.parse('2026-11-23T02:00:00Z')
    const value = checkoutCookie('D-ABCDEFGHJK', { secret, baseUrl: BASE, now }).split(';')[0]!
    const request = new Request(BASE + '/donate/thanks', { headers: { Cookie: value } })
    expect(madeThisCheckout(request, 'D-ABCDEFGHJK', { secret, now: now + CHECKOUT_COOKIE_TTL_MS - 1 })).toBe(true)
    expect(madeThisCheckout(request, 'D-ABCDEFGHJK', { secret, now: now + CHECKOUT_COOKIE_TTL_MS + 1 })).toBe(false)
    expect(madeThisCheckout(request, 'D-ABCDEFGHJK', { secret: secret + 'x', now })).toBe(false)
    expect(checkoutCookie('D-ABCDEFGHJK', { secret, baseUrl: 'https://hope.example.org', now })).toContain('; Secure')
  })
})

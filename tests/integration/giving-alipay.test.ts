import { alipayKeys } from '../support/alipay-env'
import fs from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCheckout } from '~/modules/donations/checkout.server'
import { donationFormSchema } from '~/modules/donations/schema'
import { getBalance, verifyLedger } from '~/modules/ledger'
import { alipayFee, createAlipayProvider } from '~/modules/payments/alipay.server'
import { getAlipayProvider } from '~/modules/payments/alipay-config.server'
import * as webhookRoute from '~/routes/webhooks.alipay'
import { setDb } from '~/utils/db.server'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { FAKE_APP_ID, FAKE_SELLER_ID, FakeAlipay, rsaKeyPair } from '../support/fake-alipay'
import { LIMITS } from '../support/giving'

// Alipay direct end to end: the real alipay-sdk signs page/wap pay requests that a local
// fake gateway checks; the fake's signed notifications go through the /webhooks/alipay
// route into the same fulfilment transaction as Stripe's.
describe.skipIf(skipReason)(`Alipay direct on ${testDialect}`, () => {
  let t: TestDb
  let fake: FakeAlipay
  let provider: ReturnType<typeof createAlipayProvider>
  let emails = 0
  beforeAll(async () => {
    t = await createTestDb({ poolSize: 12 })
    await seedDemo(t.db)
    setDb(t.db)
    fake = await new FakeAlipay(alipayKeys.alipay, alipayKeys.app.publicKey).start()
    provider = createAlipayProvider({
      appId: FAKE_APP_ID,
      privateKey: alipayKeys.app.privateKey,
      alipayPublicKey: alipayKeys.alipay.publicKey,
      sellerId: FAKE_SELLER_ID,
      notifyUrl: 'http://localhost:3000/webhooks/alipay',
      feeRateBps: 60,
      gateway: fake.gateway,
    })
  })
  afterAll(async () => {
    await fake?.stop()
    await t?.destroy()
    fs.rmSync(alipayKeys.dir, { recursive: true, force: true })
  })

  /** A pending Alipay donation through the real checkout, opened at the fake cashier as the browser would. */
  async function checkout(input: Record<string, string> = {}, device: 'desktop' | 'mobile' = 'desktop') {
    const form = donationFormSchema(LIMITS).parse({
      amountChoice: '10000',
      currency: 'CNY',
      frequency: 'once',
      designation: 'general',
      displayMode: 'family',
      name: '支付宝捐赠人',
      email: `alipay${++emails}@example.test`,
      method: 'alipay',
      ...input,
    })
    const { publicId, url } = await startCheckout(t.db, provider, form, {
      locale: 'zh-CN',
      clientIp: `10.1.0.${emails % 250}`,
      baseUrl: 'http://localhost:3000',
      device,
    })
    const cashier = await fetch(url)
    expect(cashier.status, await cashier.clone().text()).toBe(200)
    return { publicId, url, order: fake.orders.get(publicId)! }
  }

  const notify = async (body: string) => {
    const response = await webhookRoute.action({
      request: new Request('http://localhost:3000/webhooks/alipay', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      }),
      params: {},
      context: {},
    } as Parameters<typeof webhookRoute.action>[0])
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    return response.text()
  }
  const donation = (publicId: string) =>
    t.db.selectFrom('donations').selectAll().where('public_id', '=', publicId).executeTakeFirstOrThrow()
  const count = async (table: 'payment_events' | 'ledger_transactions' | 'receipts', where?: (qb: any) => any) => {
    let q: any = t.db.selectFrom(table).select(sql<number>`count(*)`.as('n'))
    if (where) q = where(q)
    return Number((await q.executeTakeFirstOrThrow()).n)
  }
  const ledgerTxFor = (publicId: string) => count('ledger_transactions', (q) => q.where('donation_ref', '=', publicId))
  const receiptsFor = async (publicId: string) =>
    count('receipts', (q) =>
      q.where('donation_id', '=', t.db.selectFrom('donations').select('id').where('public_id', '=', publicId)),
    )

  it('sends a signed 电脑网站支付 request the gateway accepts, amount in yuan', async () => {
    const { order, url } = await checkout({ amountChoice: 'custom', customAmount: '123.45' })
    expect(new URL(url).origin).toBe(new URL(fake.gateway).origin)
    expect(order).toMatchObject({
      method: 'alipay.trade.page.pay',
      productCode: 'FAST_INSTANT_TRADE_PAY',
      totalAmount: '123.45',
      amountFen: 12345,
      notifyUrl: 'http://localhost:3000/webhooks/alipay',
    })
    expect(order.returnUrl).toMatch(/\/donate\/thanks\?donation=/)
  })

  it('sends 手机网站支付 (alipay.trade.wap.pay) from a phone browser', async () => {
    const { order } = await checkout({}, 'mobile')
    expect(order).toMatchObject({ method: 'alipay.trade.wap.pay', productCode: 'QUICK_WAP_WAY', totalAmount: '100.00' })
  })

  it('is refused by the gateway when our request is signed with another key, or reuses an out_trade_no', async () => {
    const stranger = createAlipayProvider({
      appId: FAKE_APP_ID,
      privateKey: rsaKeyPair().privateKey,
      alipayPublicKey: alipayKeys.alipay.publicKey,
      sellerId: FAKE_SELLER_ID,
      notifyUrl: 'http://localhost:3000/webhooks/alipay',
      feeRateBps: 60,
      gateway: fake.gateway,
    })
    const base = {
      amount: 5000,
      currency: 'CNY',
      frequency: 'once' as const,
      description: '测试',
      email: 'x@example.test',
    }
    const urls = {
      locale: 'zh-CN' as const,
      successUrl: 'http://localhost:3000/t',
      cancelUrl: 'http://localhost:3000/c',
    }
    const signedByStranger = await stranger.createCheckout({
      ...base,
      ...urls,
      donationPublicId: 'D-STRANGER',
      idempotencyKey: 'k1',
    })
    expect((await fetch(signedByStranger.url)).status).toBe(400)
    expect(fake.refusals.at(-1)).toBe('INVALID_SIGNATURE')
    const { publicId } = await checkout()
    const reused = await provider.createCheckout({
      ...base,
      ...urls,
      amount: 1,
      donationPublicId: publicId,
      idempotencyKey: 'k2',
    })
    expect((await fetch(reused.url)).status).toBe(400)
    expect(fake.refusals.at(-1)).toBe('OUT_TRADE_NO_USED')
  })

  it('books a good notification once: one donation, one ledger transaction, one receipt; answers success', async () => {
    const { publicId, order } = await checkout({ amountChoice: 'custom', customAmount: '88.88' })
    expect(await notify(fake.notification(publicId))).toBe('success')
    const paid = await donation(publicId)
    expect(paid).toMatchObject({
      status: 'paid',
      provider: 'alipay',
      amount: 8888,
      fee_amount: alipayFee(8888, 60),
      provider_payment_intent_id: order.tradeNo,
    })
    expect(alipayFee(8888, 60)).toBe(53) // 53.328 fen, half up
    expect(await ledgerTxFor(publicId)).toBe(1)
    expect(await receiptsFor(publicId)).toBe(1)
    expect(await count('payment_events', (q) => q.where('provider', '=', 'alipay'))).toBeGreaterThanOrEqual(1)
    // Replayed: already handled, still `success`, nothing more written.
    expect(await notify(fake.notification(publicId))).toBe('success')
    expect(await ledgerTxFor(publicId)).toBe(1)
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('refuses a bad signature, another app_id or seller, or a wrong amount, and writes nothing', async () => {
    const { publicId } = await checkout()
    const before = await count('payment_events')
    const tampered = fake.notification(publicId).replace('total_amount=100.00', 'total_amount=1.00')
    const bodies = [
      fake.notification(publicId, {}, rsaKeyPair().privateKey), // signed by someone else
      tampered, // altered after signing
      fake.notification(publicId, { app_id: '2021000000009999', auth_app_id: '2021000000009999' }),
      fake.notification(publicId, { seller_id: '2088999999999999' }),
      fake.notification(publicId, { total_amount: '1.00' }), // signed, but not the donation's amount
      fake.notification(publicId, { total_amount: '100.001' }),
      fake.notification(publicId, { total_amount: '1e2' }),
      fake.notification(publicId, { out_trade_no: 'D-NOT-OURS' }),
      'not=a&signed=notification',
      '',
    ]
    for (const body of bodies) expect(await notify(body)).toBe('fail')
    expect(await count('payment_events')).toBe(before)
    expect((await donation(publicId)).status).toBe('pending')
    expect(await ledgerTxFor(publicId)).toBe(0)
    expect(await receiptsFor(publicId)).toBe(0)
  })

  it('books the same notification delivered 100 times, 10 at once, exactly once', async () => {
    const { publicId } = await checkout({ amountChoice: '20000' })
    const body = fake.notification(publicId)
    const replies: string[] = []
    for (let round = 0; round < 10; round++)
      replies.push(...(await Promise.all(Array.from({ length: 10 }, () => notify(body)))))
    expect(replies).toEqual(Array.from({ length: 100 }, () => 'success'))
    const paid = await donation(publicId)
    expect(paid).toMatchObject({ status: 'paid', amount: 20000, fee_amount: 120 })
    expect(await count('donations' as 'receipts', (q) => q.where('public_id', '=', publicId))).toBe(1)
    expect(await ledgerTxFor(publicId)).toBe(1)
    expect(await receiptsFor(publicId)).toBe(1)
    const notifyId = new URLSearchParams(body).get('notify_id')
    expect(
      await count('payment_events', (q) => q.where('provider', '=', 'alipay').where('event_id', '=', notifyId)),
    ).toBe(1)
    expect(await getBalance(t.db, 'fund:general', 'CNY')).toBeGreaterThanOrEqual(20000 - 120)
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('records a WAIT_BUYER_PAY notification without booking, and TRADE_FINISHED books', async () => {
    const { publicId } = await checkout()
    expect(await notify(fake.notification(publicId, { trade_status: 'WAIT_BUYER_PAY', notify_id: 'n-wait' }))).toBe(
      'success',
    )
    expect((await donation(publicId)).status).toBe('pending')
    expect(await ledgerTxFor(publicId)).toBe(0)
    expect(await notify(fake.notification(publicId, { trade_status: 'TRADE_FINISHED', notify_id: 'n-done' }))).toBe(
      'success',
    )
    expect((await donation(publicId)).status).toBe('paid')
    expect(await ledgerTxFor(publicId)).toBe(1)
  })

  it('route and test provider agree: the configured provider reads the same keys from the env files', () => {
    const configured = getAlipayProvider()
    expect(configured.name).toBe('alipay')
    expect(() => configured.verifyNotification(Object.fromEntries(new URLSearchParams('a=1')))).toThrow()
  })
})

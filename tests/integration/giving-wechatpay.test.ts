import { fakeWechatpay as fake, wechatpayKeys } from '../support/wechatpay-env'
import crypto from 'node:crypto'
import fs from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCheckout } from '~/modules/donations/checkout.server'
import { donationFormSchema } from '~/modules/donations/schema'
import { reconcileTradeBill } from '~/modules/donations/bill-reconcile.server'
import { closeUnpaidOrders } from '~/modules/donations/close-unpaid.server'
import { settleWechatpayOrder } from '~/modules/donations/wechatpay-notify.server'
import { verifyLedger } from '~/modules/ledger'
import { feeAtRate } from '~/modules/payments/provider'
import { getWechatpayProvider } from '~/modules/payments/wechatpay-config.server'
import { createWechatpayProvider } from '~/modules/payments/wechatpay.server'
import * as payPage from '~/routes/donate.wechatpay.$outTradeNo'
import * as webhookRoute from '~/routes/webhooks.wechatpay'
import { setDb } from '~/utils/db.server'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { FAKE_WX, FakeWechatpay, rsaKeyPair } from '../support/fake-wechatpay'
import { LIMITS } from '../support/giving'

// WeChat Pay direct end to end: the real wechatpay-axios-plugin signs Native/H5/JSAPI orders
// that a local fake WeChat Pay checks (and whose signed answers the SDK checks in turn); the
// fake's signed, encrypted notifications go through the /webhooks/wechatpay route into the
// same fulfilment transaction as Stripe's.
describe.skipIf(skipReason)(`WeChat Pay direct on ${testDialect}`, () => {
  let t: TestDb
  let emails = 0
  const provider = () => getWechatpayProvider()
  beforeAll(async () => {
    t = await createTestDb({ poolSize: 12 })
    await seedDemo(t.db)
    setDb(t.db)
  })
  afterAll(async () => {
    await fake.stop()
    await t?.destroy()
    fs.rmSync(wechatpayKeys.dir, { recursive: true, force: true })
  })

  async function checkout(input: Record<string, string> = {}, device: 'desktop' | 'mobile' = 'desktop') {
    const form = donationFormSchema(LIMITS).parse({
      amountChoice: '10000',
      currency: 'CNY',
      frequency: 'once',
      designation: 'general',
      displayMode: 'family',
      name: '微信捐赠人',
      email: `wechat${++emails}@example.test`,
      method: 'wechatpay',
      ...input,
    })
    const { publicId, url } = await startCheckout(t.db, provider(), form, {
      locale: 'zh-CN',
      clientIp: `10.2.0.${emails % 250}`,
      baseUrl: 'http://localhost:3000',
      device,
    })
    return { publicId, url, order: fake.orders.get(publicId)! }
  }

  const notify = async (n: { headers: Record<string, string>; body: string }) => {
    const response = await webhookRoute.action({
      request: new Request('http://localhost:3000/webhooks/wechatpay', { method: 'POST', ...n }),
      params: {},
      context: {},
    } as Parameters<typeof webhookRoute.action>[0])
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : null }
  }
  const donation = (publicId: string) =>
    t.db.selectFrom('donations').selectAll().where('public_id', '=', publicId).executeTakeFirstOrThrow()
  const count = async (table: 'payment_events' | 'ledger_transactions' | 'receipts', where?: (qb: any) => any) => {
    let q: any = t.db.selectFrom(table).select(sql<number>`count(*)`.as('n'))
    if (where) q = where(q)
    return Number((await q.executeTakeFirstOrThrow()).n)
  }
  const ledgerTxFor = (publicId: string) => count('ledger_transactions', (q) => q.where('donation_ref', '=', publicId))
  const receiptsFor = (publicId: string) =>
    count('receipts', (q) =>
      q.where('donation_id', '=', t.db.selectFrom('donations').select('id').where('public_id', '=', publicId)),
    )

  it('sends a signed Native order in fen, and our page shows its QR code', async () => {
    const { publicId, url, order } = await checkout({ amountChoice: 'custom', customAmount: '123.45' })
    expect(url).toBe(`http://localhost:3000/donate/wechatpay/${publicId}`)
    expect(order.tx).toMatchObject({ trade_type: 'NATIVE', amount: { total: 12345, currency: 'CNY' } })
    expect(order.notifyUrl).toBe('http://localhost:3000/webhooks/wechatpay')
    expect(order.timeExpire).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/)
    expect((await donation(publicId)).provider_session_id).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/)
    const page = (await payPage.loader({
      request: new Request(url),
      params: { outTradeNo: publicId },
      context: {},
    } as Parameters<typeof payPage.loader>[0])) as Awaited<ReturnType<typeof payPage.loader>>
    expect(page.page.qrDataUrl).toMatch(/^data:image\/png;base64,/)
    expect(page.page.demo).toBe(false)
  })

  it('sends H5 from a phone browser, returning to the thank-you page', async () => {
    const { url, order } = await checkout({}, 'mobile')
    expect(order.tx.trade_type).toBe('MWEB')
    expect(new URL(url).searchParams.get('redirect_url')).toMatch(/^http:\/\/localhost:3000\/donate\/thanks\?donation=/)
  })

  it('makes a JSAPI order for an openid and signs the getBrandWCPayRequest parameters', async () => {
    const base = { amount: 5000, currency: 'CNY', frequency: 'once' as const, description: '测试', email: 'j@x.test' }
    const urls = {
      locale: 'zh-CN' as const,
      successUrl: 'http://localhost:3000/t',
      cancelUrl: 'http://localhost:3000/c',
    }
    const session = await provider().createCheckout({
      ...base,
      ...urls,
      donationPublicId: 'D-JSAPI-0001',
      idempotencyKey: 'k',
      device: 'wechat',
      openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    })
    expect(session.sessionId).toMatch(/^prepay_id=wx01/)
    expect(fake.orders.get('D-JSAPI-0001')?.tx.trade_type).toBe('JSAPI')
    const p = provider().jsapiParams(session.sessionId.slice('prepay_id='.length))
    expect(p).toMatchObject({ appId: FAKE_WX.appid, package: session.sessionId, signType: 'RSA' })
    const message = `${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`
    const ok = crypto
      .createVerify('RSA-SHA256')
      .update(message)
      .verify(wechatpayKeys.merchant.publicKey, p.paySign!, 'base64')
    expect(ok).toBe(true)
    // Inside WeChat without an openid: the Native QR code (H5 does not open in WeChat).
    const native = await provider().createCheckout({
      ...base,
      ...urls,
      donationPublicId: 'D-WX-NATIVE1',
      idempotencyKey: 'n',
      device: 'wechat',
    })
    expect(native.sessionId).toMatch(/^weixin:\/\//)
  })

  it('is refused by WeChat Pay when our request is signed with another key, or reuses an out_trade_no', async () => {
    const stranger = createWechatpayProvider({
      mchid: FAKE_WX.mchid,
      appid: FAKE_WX.appid,
      apiV3Key: FAKE_WX.apiV3Key,
      merchantSerial: FAKE_WX.merchantSerial,
      merchantPrivateKey: rsaKeyPair().privateKey,
      platformSerial: FAKE_WX.platformSerial,
      platformPublicKey: wechatpayKeys.platform.publicKey,
      notifyUrl: 'http://localhost:3000/webhooks/wechatpay',
      feeRateBps: 60,
      baseURL: fake.baseURL,
      payPageUrl: (no) => `http://localhost:3000/donate/wechatpay/${no}`,
    })
    const request = {
      amount: 5000,
      currency: 'CNY',
      frequency: 'once' as const,
      description: '测试',
      email: 'x@example.test',
      locale: 'zh-CN' as const,
      successUrl: 'http://localhost:3000/t',
      cancelUrl: 'http://localhost:3000/c',
    }
    await expect(
      stranger.createCheckout({ ...request, donationPublicId: 'D-STRANGER1', idempotencyKey: 'k1' }),
    ).rejects.toThrow()
    expect(fake.refusals.at(-1)).toBe('SIGN_ERROR')
    const { publicId } = await checkout()
    await expect(
      provider().createCheckout({ ...request, amount: 1, donationPublicId: publicId, idempotencyKey: 'k2' }),
    ).rejects.toThrow()
    expect(fake.refusals.at(-1)).toBe('OUT_TRADE_NO_USED')
  })

  it('books a good notification once: one donation, one ledger transaction, one receipt; answers 204', async () => {
    const { publicId, order } = await checkout({ amountChoice: 'custom', customAmount: '88.88' })
    fake.pay(publicId)
    expect(await notify(fake.notification(publicId))).toEqual({ status: 204, body: null })
    expect(await donation(publicId)).toMatchObject({
      status: 'paid',
      provider: 'wechatpay',
      amount: 8888,
      fee_amount: feeAtRate(8888, 60),
      provider_payment_intent_id: order.tx.transaction_id,
    })
    expect(await ledgerTxFor(publicId)).toBe(1)
    expect(await receiptsFor(publicId)).toBe(1)
    expect(await notify(fake.notification(publicId))).toEqual({ status: 204, body: null })
    expect(await ledgerTxFor(publicId)).toBe(1)
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('refuses a bad signature, stale timestamp, unknown serial, another merchant or app, a wrong amount; writes nothing', async () => {
    const { publicId } = await checkout()
    fake.pay(publicId)
    const before = await count('payment_events')
    const now = Math.floor(Date.now() / 1000)
    const good = fake.notification(publicId)
    const cases: Record<string, { headers: Record<string, string>; body: string }> = {
      'signed by someone else': fake.notification(publicId, { signWith: rsaKeyPair().privateKey }),
      'altered after signing': { ...good, body: good.body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" ') },
      'unknown platform serial': fake.notification(publicId, { serial: 'PUB_KEY_ID_0119000123452025120100009999' }),
      'stale timestamp': fake.notification(publicId, { timestamp: now - 360 }),
      'future timestamp': fake.notification(publicId, { timestamp: now + 360 }),
      'another merchant': fake.notification(publicId, { tx: { mchid: '1900099999' } }),
      'another app': fake.notification(publicId, { tx: { appid: 'wx9999999999999999' } }),
      'wrong amount': fake.notification(publicId, { tx: { amount: { total: 1, currency: 'CNY' } } }),
      'another currency': fake.notification(publicId, { tx: { amount: { total: 10000, currency: 'USD' as 'CNY' } } }),
      'wrong APIv3 key': fake.notification(publicId, { apiV3Key: 'ZYXWVUTSRQponmlkjihg9876543210ab' }),
      'not our order': fake.notification(publicId, { tx: { out_trade_no: 'D-NOT-OURS' } }),
      'no headers': { headers: {}, body: good.body },
    }
    for (const [name, n] of Object.entries(cases)) {
      const reply = await notify(n)
      expect(reply.status, name).toBe(400)
      expect(reply.body, name).toMatchObject({ code: 'FAIL', message: expect.any(String) })
    }
    expect(await count('payment_events')).toBe(before)
    expect((await donation(publicId)).status).toBe('pending')
    expect(await ledgerTxFor(publicId)).toBe(0)
    expect(await receiptsFor(publicId)).toBe(0)
    // The same notification, untampered and fresh, is accepted: the refusals above were each for their own reason.
    expect((await notify(good)).status).toBe(204)
  })

  it('books the same notification delivered 100 times, 10 at once, exactly once', async () => {
    const { publicId } = await checkout({ amountChoice: '20000' })
    fake.pay(publicId)
    const n = fake.notification(publicId)
    const statuses: number[] = []
    for (let round = 0; round < 10; round++)
      statuses.push(...(await Promise.all(Array.from({ length: 10 }, async () => (await notify(n)).status))))
    expect(statuses).toEqual(Array.from({ length: 100 }, () => 204))
    expect(await donation(publicId)).toMatchObject({ status: 'paid', amount: 20000, fee_amount: 120 })
    expect(await ledgerTxFor(publicId)).toBe(1)
    expect(await receiptsFor(publicId)).toBe(1)
    const id = JSON.parse(n.body).id
    expect(await count('payment_events', (q) => q.where('provider', '=', 'wechatpay').where('event_id', '=', id))).toBe(
      1,
    )
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('books once whether the order query or the notification comes first', async () => {
    const first = await checkout()
    expect((await settleWechatpayOrder(t.db, provider(), first.publicId)).paid).toBe(false) // not paid yet
    fake.pay(first.publicId)
    expect((await settleWechatpayOrder(t.db, provider(), first.publicId)).paid).toBe(true)
    expect((await notify(fake.notification(first.publicId))).status).toBe(204)
    const second = await checkout()
    fake.pay(second.publicId)
    expect((await notify(fake.notification(second.publicId))).status).toBe(204)
    expect((await settleWechatpayOrder(t.db, provider(), second.publicId)).paid).toBe(true)
    for (const { publicId } of [first, second]) {
      expect((await donation(publicId)).status).toBe('paid')
      expect(await ledgerTxFor(publicId)).toBe(1)
      expect(await receiptsFor(publicId)).toBe(1)
    }
  })

  it('asks WeChat Pay for the order when the notification alone does not settle it', async () => {
    const { publicId, order } = await checkout()
    fake.pay(publicId)
    const thin = fake.notification(publicId, { tx: { transaction_id: undefined, amount: undefined } as never })
    expect((await notify(thin)).status).toBe(204)
    expect(await donation(publicId)).toMatchObject({
      status: 'paid',
      provider_payment_intent_id: order.tx.transaction_id,
    })
    expect(await ledgerTxFor(publicId)).toBe(1)
  })

  it('"I have paid" on our page asks WeChat Pay and sends the donor to the thank-you page once paid', async () => {
    const { publicId } = await checkout()
    const press = () =>
      payPage.action({
        request: new Request(`http://localhost:3000/donate/wechatpay/${publicId}`, {
          method: 'POST',
          body: new URLSearchParams({ intent: 'check' }),
        }),
        params: { outTradeNo: publicId },
        context: {},
      } as Parameters<typeof payPage.action>[0])
    const early = (await press()) as unknown as { init: { status: number } }
    expect(early.init.status).toBe(409)
    fake.pay(publicId)
    const paid = (await press()) as Response
    expect(paid.status).toBe(303)
    expect(paid.headers.get('location')).toBe(`/donate/thanks?donation=${publicId}`)
    expect(await ledgerTxFor(publicId)).toBe(1)
  })

  it('closes orders left unpaid past the timeout at WeChat Pay, and books one paid whose notification was lost', async () => {
    const unpaid = await checkout()
    const paidSilently = await checkout()
    fake.pay(paidSilently.publicId)
    const early = await closeUnpaidOrders(t.db, { wechatpay: provider() }, new Date(Date.now() + 10 * 60_000))
    expect(early.closed).not.toContain(unpaid.publicId) // within the 30 minutes: left alone
    const later = new Date(Date.now() + 36 * 60_000)
    const result = await closeUnpaidOrders(t.db, { wechatpay: provider() }, later)
    expect(result.closed).toContain(unpaid.publicId)
    expect(result.paid).toContain(paidSilently.publicId)
    expect(result.failed).toEqual([])
    expect(fake.closed).toContain(unpaid.publicId)
    expect(fake.orders.get(unpaid.publicId)?.tx.trade_state).toBe('CLOSED')
    expect((await donation(unpaid.publicId)).status).toBe('canceled')
    expect(await ledgerTxFor(unpaid.publicId)).toBe(0)
    expect((await donation(paidSilently.publicId)).status).toBe('paid')
    expect(await ledgerTxFor(paidSilently.publicId)).toBe(1)
    // A second sweep finds nothing more to do for them.
    const again = await closeUnpaidOrders(t.db, { wechatpay: provider() }, later)
    expect(again.closed).not.toContain(unpaid.publicId)
    expect(again.paid).not.toContain(paidSilently.publicId)
  })

  it("reconciles a day's trade bill line by line: flags a bill line with no donation and a donation missing from the bill", async () => {
    const day = '2026-11-30'
    const at = new Date('2026-11-30T04:00:00Z') // 12:00 in China
    const both = await checkout({ amountChoice: 'custom', customAmount: '66.00' })
    const missing = await checkout({ amountChoice: 'custom', customAmount: '77.00' })
    for (const { publicId } of [both, missing]) {
      fake.pay(publicId, at)
      expect((await notify(fake.notification(publicId))).status).toBe(204)
    }
    expect((await donation(missing.publicId)).paid_at).toBe(at.toISOString())
    const missingTx = fake.orders.get(missing.publicId)!.tx.transaction_id
    fake.orders.delete(missing.publicId) // WeChat Pay's bill does not have it
    fake.extraBillLines.push(FakeWechatpay.billLine('D-NOBODY-0001', '4200002800000000000000009999', 5000, day))
    const r = await reconcileTradeBill(t.db, provider(), day)
    expect(r).toMatchObject({ date: day, billLines: 2, ourLines: 2, matched: 1 })
    expect(r.flags).toEqual([
      {
        issue: 'bill-only',
        kind: 'payment',
        outTradeNo: 'D-NOBODY-0001',
        ref: '4200002800000000000000009999',
        billAmount: 5000,
        ourAmount: null,
      },
      {
        issue: 'ours-only',
        kind: 'payment',
        outTradeNo: missing.publicId,
        ref: missingTx,
        billAmount: null,
        ourAmount: 7700,
      },
    ])
    fake.extraBillLines.length = 0
  })
})

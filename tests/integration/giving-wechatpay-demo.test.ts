import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeUnpaidOrders } from '~/modules/donations/close-unpaid.server'
import { getAlipayProvider } from '~/modules/payments/alipay-config.server'
import { getWechatpayProvider } from '~/modules/payments/wechatpay-config.server'
import * as donate from '~/routes/donate._index'
import * as payPage from '~/routes/donate.wechatpay.$outTradeNo'
import * as thanks from '~/routes/donate.thanks'
import * as webhookRoute from '~/routes/webhooks.wechatpay'
import { call, get, post, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// No WECHATPAY_MCHID: the demo WeChat Pay (what `npm start` shows). Its wallet is our own
// labelled page with a demo QR code; paying there sends a signed, encrypted WeChat Pay
// notification through the same verification, decryption and fulfilment.
describe.skipIf(skipReason)(`demo WeChat Pay on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  const count = async (table: 'ledger_transactions' | 'payment_events', column: string, value: string) =>
    Number(
      (
        await (t.db.selectFrom(table) as any)
          .select(sql<number>`count(*)`.as('n'))
          .where(column, '=', value)
          .executeTakeFirstOrThrow()
      ).n,
    )
  const form = {
    amountChoice: '20000',
    currency: 'CNY',
    frequency: 'once',
    designation: 'general',
    displayMode: 'anonymous',
    method: 'wechatpay',
  }

  it('offers 微信支付 beside card and 支付宝, and a gift reaches the thank-you page and the ledger', async () => {
    const page = await call(donate.loader, get('/donate'))
    expect(page.body).toMatchObject({ alipay: true, wechatpay: true })
    const sent = await call(donate.action, post('/donate', { ...form, email: 'demo-wechat@example.test' }))
    expect(sent.status).toBe(303)
    const m = /^http:\/\/localhost:3000\/donate\/wechatpay\/([0-9A-Za-z_-]+)$/.exec(sent.location ?? '')
    expect(m).not.toBeNull()
    const outTradeNo = m![1]!
    const shown = await call(payPage.loader, get(`/donate/wechatpay/${outTradeNo}`), { outTradeNo })
    expect(shown.body.page).toMatchObject({ demo: true, pending: true, amount: 20000 })
    expect(shown.body.page.qrDataUrl).toMatch(/^data:image\/png;base64,/)
    const paid = await call(payPage.action, post(`/donate/wechatpay/${outTradeNo}`, { intent: 'pay' }), { outTradeNo })
    expect(paid).toMatchObject({ status: 303, location: `/donate/thanks?donation=${outTradeNo}` })
    const row = await t.db
      .selectFrom('donations')
      .selectAll()
      .where('public_id', '=', outTradeNo)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'paid', provider: 'demo', amount: 20000, fee_amount: 120 })
    expect(await count('ledger_transactions', 'donation_ref', outTradeNo)).toBe(1)
    expect(await count('payment_events', 'event_id', `demo_${outTradeNo}`)).toBe(1)
    // The thank-you page, for the browser that started the checkout, says it is paid.
    const done = await call(thanks.loader, get(`/donate/thanks?donation=${outTradeNo}`, sent.setCookie?.split(';')[0]))
    expect(done.body.donation).toMatchObject({ status: 'paid' })
    // A double click books nothing more.
    await call(payPage.action, post(`/donate/wechatpay/${outTradeNo}`, { intent: 'pay' }), { outTradeNo })
    expect(await count('ledger_transactions', 'donation_ref', outTradeNo)).toBe(1)
  })

  it('refuses WeChat Pay for a monthly gift or another currency, on the method field', async () => {
    const refusal = async (over: Record<string, string>) =>
      call(
        donate.action,
        post('/donate', { ...form, email: 'm@example.test', ...over }),
        {},
        { clientIp: '203.0.113.19' },
      )
    expect(await refusal({ frequency: 'monthly' })).toMatchObject({
      status: 400,
      body: { errors: { method: 'donate.error.methodWechatpayMonthly' } },
    })
    expect(await refusal({ currency: 'HKD' })).toMatchObject({
      status: 400,
      body: { errors: { method: 'donate.error.methodWechatpayCurrency' } },
    })
  })

  it('knows no order that is not a WeChat Pay one, and the webhook refuses an unsigned post in WeChat format', async () => {
    for (const outTradeNo of ['', 'nope', 'cs_demo_x'])
      expect((await call(payPage.loader, get(`/donate/wechatpay/${outTradeNo}`), { outTradeNo })).status).toBe(404)
    const reply = await webhookRoute.action({
      request: new Request('http://localhost:3000/webhooks/wechatpay', { method: 'POST', body: '{}' }),
      params: {},
      context: {},
    } as Parameters<typeof webhookRoute.action>[0])
    expect(reply.status).toBe(400)
    expect(await reply.json()).toMatchObject({ code: 'FAIL' })
  })

  it('the sweep cancels demo WeChat Pay and Alipay orders left unpaid past 30 minutes, and no card checkout', async () => {
    const start = async (method: string, email: string) => {
      const sent = await call(
        donate.action,
        post('/donate', { ...form, method, email }),
        {},
        { clientIp: '203.0.113.31' },
      )
      return new URL(sent.location!).pathname.split('/').pop()!
    }
    const wx = await start('wechatpay', 'sweep-wx@example.test')
    const ali = await start('alipay', 'sweep-ali@example.test')
    const card = (
      await call(
        donate.action,
        post('/donate', { ...form, method: 'card', email: 'sweep-card@example.test' }),
        {},
        { clientIp: '203.0.113.32' },
      )
    ).location!
    const cardId = card.split('cs_demo_').pop()!
    const providers = { wechatpay: getWechatpayProvider(), alipay: getAlipayProvider() }
    const result = await closeUnpaidOrders(t.db, providers, new Date(Date.now() + 36 * 60_000))
    expect(result.closed).toEqual(expect.arrayContaining([wx, ali]))
    expect(result.closed).not.toContain(cardId)
    const status = async (id: string) =>
      (await t.db.selectFrom('donations').select('status').where('public_id', '=', id).executeTakeFirstOrThrow()).status
    expect(await status(wx)).toBe('canceled')
    expect(await status(ali)).toBe('canceled')
    expect(await status(cardId)).toBe('pending')
  })
})

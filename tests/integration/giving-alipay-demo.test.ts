import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCheckout } from '~/modules/donations/checkout.server'
import { donationFormSchema } from '~/modules/donations/schema'
import { getAlipayProvider } from '~/modules/payments/alipay-config.server'
import * as cashier from '~/routes/donate.alipay-demo.$outTradeNo'
import * as donate from '~/routes/donate._index'
import * as webhookRoute from '~/routes/webhooks.alipay'
import { call, get, post, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { LIMITS } from '../support/giving'

// No ALIPAY_APP_ID: the demo Alipay. Its cashier is our own labelled page; paying there
// sends a signed Alipay notification through the same verification and fulfilment.
describe.skipIf(skipReason)(`demo Alipay on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  async function start(email: string) {
    const form = donationFormSchema(LIMITS).parse({
      amountChoice: '20000',
      currency: 'CNY',
      frequency: 'once',
      designation: 'general',
      displayMode: 'anonymous',
      email,
      method: 'alipay',
    })
    return startCheckout(t.db, getAlipayProvider(), form, {
      locale: 'zh-CN',
      clientIp: '10.9.8.6',
      baseUrl: 'http://localhost:3000',
    })
  }
  const count = async (table: 'ledger_transactions' | 'payment_events', column: string, value: string) =>
    Number(
      (
        await (t.db.selectFrom(table) as any)
          .select(sql<number>`count(*)`.as('n'))
          .where(column, '=', value)
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('offers 支付宝 on /donate and sends an Alipay gift to the demo cashier', async () => {
    const page = await call(donate.loader, get('/donate'))
    expect(page.body.alipay).toBe(true)
    const sent = await call(
      donate.action,
      post('/donate', {
        amountChoice: '10000',
        currency: 'CNY',
        frequency: 'once',
        designation: 'general',
        displayMode: 'anonymous',
        email: 'demo-alipay-form@example.test',
        method: 'alipay',
      }),
    )
    expect(sent.status).toBe(303)
    expect(sent.location).toMatch(/^http:\/\/localhost:3000\/donate\/alipay-demo\/[0-9A-Za-z_-]+$/)
  })

  it('refuses Alipay for a monthly gift or another currency, on the method field', async () => {
    const base = { amountChoice: '10000', designation: 'general', displayMode: 'anonymous', email: 'm@example.test' }
    const refusal = async (form: Record<string, string>) => {
      const response = await call(donate.action, post('/donate', { ...base, ...form }), {}, { clientIp: '203.0.113.9' })
      return { status: response.status, body: response.body }
    }
    expect(await refusal({ currency: 'CNY', frequency: 'monthly', method: 'alipay' })).toMatchObject({
      status: 400,
      body: { errors: { method: 'donate.error.methodAlipayMonthly' } },
    })
    expect(await refusal({ currency: 'HKD', frequency: 'once', method: 'alipay' })).toMatchObject({
      status: 400,
      body: { errors: { method: 'donate.error.methodAlipayCurrency' } },
    })
    expect(await refusal({ currency: 'CNY', frequency: 'once', method: 'bitcoin' })).toMatchObject({
      status: 400,
      body: { errors: { method: 'donate.error.method' } },
    })
  })

  it('pays through the signed notification path once, then the cashier is gone', async () => {
    const { publicId, url } = await start('demo-alipay@example.test')
    const outTradeNo = new URL(url).pathname.split('/').pop()!
    expect(outTradeNo).toBe(publicId)
    const page = await call(cashier.loader, get(`/donate/alipay-demo/${outTradeNo}`), { outTradeNo })
    expect(page).toMatchObject({
      status: 200,
      body: { donation: { public_id: publicId, amount: 20000, status: 'pending' } },
    })
    const paid = await call(cashier.action, post(`/donate/alipay-demo/${outTradeNo}`, { intent: 'pay' }), {
      outTradeNo,
    })
    expect(paid).toMatchObject({ status: 303, location: `/donate/thanks?donation=${publicId}` })
    const row = await t.db
      .selectFrom('donations')
      .selectAll()
      .where('public_id', '=', publicId)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'paid', provider: 'demo', amount: 20000, fee_amount: 120 })
    expect(await count('ledger_transactions', 'donation_ref', publicId)).toBe(1)
    expect(await count('payment_events', 'event_id', `demo_${publicId}`)).toBe(1)
    // Paying again (a double click) books nothing more; the cashier no longer shows the order.
    await call(cashier.action, post(`/donate/alipay-demo/${outTradeNo}`, { intent: 'pay' }), { outTradeNo })
    expect(await count('ledger_transactions', 'donation_ref', publicId)).toBe(1)
    expect((await call(cashier.loader, get(`/donate/alipay-demo/${outTradeNo}`), { outTradeNo })).status).toBe(404)
  })

  it('knows no order that is not a demo Alipay one, and the webhook refuses an unsigned post', async () => {
    for (const outTradeNo of ['', 'nope', 'cs_demo_x'])
      expect((await call(cashier.loader, get(`/donate/alipay-demo/${outTradeNo}`), { outTradeNo })).status).toBe(404)
    const reply = await webhookRoute.action({
      request: new Request('http://localhost:3000/webhooks/alipay', { method: 'POST', body: 'out_trade_no=x' }),
      params: {},
      context: {},
    } as Parameters<typeof webhookRoute.action>[0])
    expect(await reply.text()).toBe('fail')
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCheckout } from '~/modules/donations/checkout.server'
import { donationFormSchema } from '~/modules/donations/schema'
import { getPaymentProvider } from '~/modules/payments/index.server'
import * as demoRoute from '~/routes/donate.demo.$sessionId'
import { call, get, post, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { LIMITS } from '../support/giving'

// The demo pay page (no Stripe key): it finds its donation through demoDonation in
// donations/queries.server.ts, shows only a pending one, and pays it through the webhook path.
describe.skipIf(skipReason)(`demo checkout page on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  async function start(email: string) {
    const form = donationFormSchema(LIMITS).parse({
      amountChoice: '10000',
      currency: 'CNY',
      frequency: 'once',
      designation: 'general',
      displayMode: 'family',
      name: '演示捐赠人',
      email,
    })
    const { publicId, url } = await startCheckout(t.db, getPaymentProvider(t.db), form, {
      locale: 'zh-CN',
      clientIp: '10.9.8.7',
      baseUrl: 'http://localhost:3000',
    })
    const sessionId = new URL(url).pathname.split('/').pop()!
    return { publicId, sessionId }
  }

  it('shows a pending demo donation, pays it once, then no longer shows it', async () => {
    const { publicId, sessionId } = await start('demo-page@example.test')
    const page = await call(demoRoute.loader, get(`/donate/demo/${sessionId}`), { sessionId })
    expect(page.status).toBe(200)
    expect(page.body.donation).toEqual({
      public_id: publicId,
      amount: 10000,
      currency: 'CNY',
      frequency: 'once',
      status: 'pending',
      display_name: '演**',
    })
    const paid = await call(demoRoute.action, post(`/donate/demo/${sessionId}`, { intent: 'pay' }), { sessionId })
    expect(paid).toMatchObject({ status: 303, location: `/donate/thanks?donation=${publicId}` })
    const row = await t.db
      .selectFrom('donations')
      .select('status')
      .where('public_id', '=', publicId)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('paid')
    expect((await call(demoRoute.loader, get(`/donate/demo/${sessionId}`), { sessionId })).status).toBe(404)
  })

  it('knows no session that is not a demo one', async () => {
    for (const sessionId of ['cs_test_123', '', 'cs_demo_nope'])
      expect((await call(demoRoute.loader, get(`/donate/demo/${sessionId}`), { sessionId })).status).toBe(404)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCheckout } from '~/modules/donations/checkout.server'
import { Refusal } from '~/utils/refusal'
import { donationFormSchema } from '~/modules/donations/schema'
import { skipReason, testDialect } from '../support/db'
import { givingFixture, LIMITS } from '../support/giving'

describe.skipIf(skipReason)(`checkout through the real Stripe SDK on ${testDialect}`, () => {
  let f: Awaited<ReturnType<typeof givingFixture>>
  beforeAll(async () => {
    f = await givingFixture()
  })
  afterAll(async () => f?.destroy())

  const lastSessionRequest = () => f.stripe.requests.filter((r) => r.path === '/v1/checkout/sessions').at(-1)!

  it('sends amount, currency, mode, methods, metadata and the stored idempotency key', async () => {
    const { publicId, donation } = await f.checkout({ amountChoice: 'custom', customAmount: '123.45' })
    const req = lastSessionRequest()
    expect(req.method).toBe('POST')
    expect(req.form['mode']).toBe('payment')
    expect(req.form['line_items[0][price_data][unit_amount]']).toBe('12345')
    expect(req.form['line_items[0][price_data][currency]']).toBe('cny')
    expect([
      req.form['payment_method_types[0]'],
      req.form['payment_method_types[1]'],
      req.form['payment_method_types[2]'],
    ]).toEqual(['card', 'alipay', 'wechat_pay'])
    expect(req.form['payment_method_options[wechat_pay][client]']).toBe('web')
    expect(req.form['metadata[donation_public_id]']).toBe(publicId)
    expect(req.form['payment_intent_data[metadata][donation_public_id]']).toBe(publicId)
    expect(req.form['client_reference_id']).toBe(publicId)
    expect(req.headers['idempotency-key']).toBe(donation.checkout_idempotency_key)
    expect(donation.checkout_idempotency_key).toBe(`checkout:${publicId}`)
    expect(donation).toMatchObject({
      status: 'pending',
      amount: 12345,
      currency: 'CNY',
      fund: `fund:campaign:${f.campaign.id}`,
      display_name: '测**',
    })
    const stored = await f.db
      .selectFrom('donations')
      .select('provider_session_id')
      .where('public_id', '=', publicId)
      .executeTakeFirstOrThrow()
    expect(stored.provider_session_id).toMatch(/^cs_test_/)
  })

  it('uses subscription mode with cards only for monthly gifts', async () => {
    const { donation } = await f.checkout({ frequency: 'monthly', amountChoice: '5000' })
    const req = lastSessionRequest()
    expect(req.form['mode']).toBe('subscription')
    expect(req.form['line_items[0][price_data][recurring][interval]']).toBe('month')
    expect(req.form['payment_method_types[0]']).toBe('card')
    expect(req.form['payment_method_types[1]']).toBeUndefined()
    expect(req.form['subscription_data[metadata][donation_public_id]']).toBe(donation.public_id)
    expect(donation.recurring_gift_id).not.toBeNull()
  })

  it('adds the estimated fee when the donor covers it', async () => {
    const { donation } = await f.checkout({ amountChoice: '10000', coverFee: 'on' })
    expect(donation.amount).toBe(10340)
    expect(donation.cover_fee).toBe(1)
  })

  it('refuses a closed or unknown campaign on the campaign field', async () => {
    const input = donationFormSchema(LIMITS).parse({
      amountChoice: '10000',
      currency: 'CNY',
      frequency: 'once',
      designation: 'campaign',
      campaign: 'no-such',
      displayMode: 'anonymous',
      email: 'x@example.test',
    })
    const refused = startCheckout(f.db, f.provider, input, {
      locale: 'zh-CN',
      clientIp: '10.1.1.1',
      baseUrl: 'http://x',
    })
    await expect(refused).rejects.toBeInstanceOf(Refusal)
    await expect(refused).rejects.toMatchObject({ messageKey: 'donate.error.campaignClosed', field: 'campaign' })
  })

  it('rate-limits checkout creation per email and per client', async () => {
    const form = (email: string) =>
      donationFormSchema(LIMITS).parse({
        amountChoice: '10000',
        currency: 'CNY',
        frequency: 'once',
        designation: 'general',
        displayMode: 'anonymous',
        email,
      })
    const ctx = (ip: string) => ({ locale: 'zh-CN' as const, clientIp: ip, baseUrl: 'http://x' })
    for (let i = 0; i < 5; i++) await startCheckout(f.db, f.provider, form('spammer@example.test'), ctx(`10.2.0.${i}`))
    const perEmail = startCheckout(f.db, f.provider, form('spammer@example.test'), ctx('10.2.0.99'))
    await expect(perEmail).rejects.toBeInstanceOf(Refusal)
    await expect(perEmail).rejects.toMatchObject({ messageKey: 'donate.error.rateLimited', status: 429 })
    for (let i = 0; i < 10; i++) await startCheckout(f.db, f.provider, form(`card${i}@example.test`), ctx('10.3.0.1'))
    const perClient = startCheckout(f.db, f.provider, form('fresh@example.test'), ctx('10.3.0.1'))
    await expect(perClient).rejects.toBeInstanceOf(Refusal)
    await expect(perClient).rejects.toMatchObject({ messageKey: 'donate.error.rateLimited', status: 429 })
  })
})

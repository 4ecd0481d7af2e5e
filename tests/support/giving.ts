// Shared set-up for giving tests: a seeded database, a fake Stripe, and the real SDK provider.
import { createStripeProvider } from '~/modules/payments/stripe.server'
import { startCheckout } from '~/modules/donations/checkout.server'
import { donationFormSchema } from '~/modules/donations/schema'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, type TestDb } from './db'
import { FakeStripe } from './fake-stripe'

export const WEBHOOK_SECRET = 'whsec_test_secret'
export const LIMITS = { min: 100, max: 100_000_000, currencies: ['CNY', 'HKD', 'USD'] }

export async function givingFixture(options: { poolSize?: number } = {}) {
  const t: TestDb = await createTestDb({ poolSize: options.poolSize })
  await seedDemo(t.db)
  const stripe = await new FakeStripe().start()
  const provider = createStripeProvider(stripe.providerOptions(WEBHOOK_SECRET))
  const campaign = await t.db
    .selectFrom('campaigns')
    .select(['id', 'slug'])
    .where('slug', '=', 'hope-star-2026')
    .executeTakeFirstOrThrow()
  let emails = 0
  /** A pending donation made through the real checkout path, with its payment intent registered at the fake Stripe. */
  async function checkout(input: Partial<Record<string, string>> = {}, fee = 340) {
    const form = donationFormSchema(LIMITS).parse({
      amountChoice: '10000',
      currency: 'CNY',
      frequency: 'once',
      designation: 'campaign',
      campaign: campaign.slug,
      displayMode: 'family',
      name: '测试捐赠人',
      email: `donor${++emails}@example.test`,
      ...input,
    })
    const { publicId } = await startCheckout(t.db, provider, form, {
      locale: 'zh-CN',
      clientIp: `10.0.0.${emails % 250}`,
      baseUrl: 'http://localhost:3000',
    })
    const intentId = `pi_${publicId.replace('-', '')}`
    const chargeId = `ch_${publicId.replace('-', '')}`
    const donation = await t.db
      .selectFrom('donations')
      .selectAll()
      .where('public_id', '=', publicId)
      .executeTakeFirstOrThrow()
    // Checkout puts the donation's id in the intent's metadata (payment_intent_data.metadata).
    stripe.intents.set(intentId, {
      id: intentId,
      amount: donation.amount,
      currency: donation.currency,
      fee,
      chargeId,
      metadata: { donation_public_id: publicId },
    })
    return { publicId, intentId, chargeId, donation }
  }
  return {
    ...t,
    stripe,
    provider,
    campaign,
    checkout,
    destroy: async () => {
      await stripe.stop()
      await t.destroy()
    },
  }
}

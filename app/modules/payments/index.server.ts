import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { createDemoProvider, demoWebhookSecret } from './demo.server'
import type { PaymentProvider } from './provider'
import { createStripeProvider } from './stripe.server'

export class DemoCheckoutRefused extends Error {
  constructor() {
    super('The demo checkout is refused when NODE_ENV=production: configure STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET')
  }
}

/** Stripe when a key is configured; otherwise the demo checkout, never in production. */
export function getPaymentProvider(db: DB): PaymentProvider {
  const env = getEnv()
  if (env.STRIPE_SECRET_KEY) {
    if (!env.STRIPE_WEBHOOK_SECRET) throw new Error('STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY')
    return createStripeProvider({ secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET })
  }
  if (env.NODE_ENV === 'production') throw new DemoCheckoutRefused()
  return createDemoProvider({ db, baseUrl: env.BASE_URL, webhookSecret: demoWebhookSecret(env.SESSION_SECRET) })
}

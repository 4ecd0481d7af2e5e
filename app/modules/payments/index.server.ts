import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { createDemoProvider, demoWebhookSecret } from './demo.server'
import { getAlipayProvider } from './alipay-config.server'
import { getWechatpayProvider } from './wechatpay-config.server'
import type { PaymentProvider } from './provider'
import { createStripeProvider } from './stripe.server'

export class DemoCheckoutRefused extends Error {
  constructor() {
    super(
      'The demo checkout is refused when NODE_ENV=production: configure STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET',
    )
  }
}

/** Host, port and protocol of STRIPE_API_URL (a mock in tests; env.server.ts keeps it out of production); nothing means api.stripe.com. */
function stripeApi(url: string | undefined): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  if (!url) return {}
  const u = new URL(url)
  const protocol = u.protocol === 'http:' ? 'http' : 'https'
  return { host: u.hostname, port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443, protocol }
}

// One Stripe client per configuration, not one per request: each client carries its own
// state, and a webhook storm would otherwise build thousands of them.
let stripeClient: { key: string; provider: PaymentProvider } | undefined

/** Stripe when a key is configured; otherwise the demo checkout, never in production. */
export function getPaymentProvider(db: DB): PaymentProvider {
  const env = getEnv()
  if (env.STRIPE_SECRET_KEY) {
    if (!env.STRIPE_WEBHOOK_SECRET) throw new Error('STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY')
    const key = [env.STRIPE_SECRET_KEY, env.STRIPE_WEBHOOK_SECRET, env.STRIPE_API_URL ?? ''].join('\n')
    if (stripeClient?.key !== key) {
      stripeClient = {
        key,
        provider: createStripeProvider({
          secretKey: env.STRIPE_SECRET_KEY,
          webhookSecret: env.STRIPE_WEBHOOK_SECRET,
          ...stripeApi(env.STRIPE_API_URL),
        }),
      }
    }
    return stripeClient.provider
  }
  if (env.NODE_ENV === 'production') throw new DemoCheckoutRefused()
  return createDemoProvider({ db, baseUrl: env.BASE_URL, webhookSecret: demoWebhookSecret(env.SESSION_SECRET) })
}

/**
 * The provider that can give a gift's money back, by the provider that took it: Stripe only
 * when Stripe is configured, the demo checkout never in production, Alipay and WeChat Pay as configured.
 * Null for offline and imported gifts (refunded by bank transfer, with its reference).
 */
export function refundProviderFor(db: DB, provider: string): PaymentProvider | null {
  const env = getEnv()
  switch (provider) {
    case 'stripe': {
      const stripe = env.STRIPE_SECRET_KEY ? getPaymentProvider(db) : null
      return stripe?.name === 'stripe' ? stripe : null
    }
    case 'demo':
      if (env.NODE_ENV === 'production') return null
      return createDemoProvider({ db, baseUrl: env.BASE_URL, webhookSecret: demoWebhookSecret(env.SESSION_SECRET) })
    case 'alipay':
      return env.ALIPAY_APP_ID || env.NODE_ENV !== 'production' ? getAlipayProvider() : null
    case 'wechatpay':
      return env.WECHATPAY_MCHID ? getWechatpayProvider() : null
    default:
      return null
  }
}

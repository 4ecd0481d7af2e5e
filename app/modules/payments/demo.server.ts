import crypto from 'node:crypto'
import Stripe from 'stripe'
import type { DB } from '~/utils/db.server'
import { WEBHOOK_TOLERANCE_SECONDS } from './stripe.server'
import { narrowEvent, type CheckoutSessionEvent, type PaymentEvent } from './events'
import { WebhookSignatureError, type PaymentProvider } from './provider'

// The demo checkout: no money moves. It stands in for Stripe when no key is configured,
// emits Stripe-shaped events signed like Stripe's, and they go through the same webhook
// handler as real ones. Refused when NODE_ENV=production (see index.server.ts).

export const DEMO_SESSION_PREFIX = 'cs_demo_'
export const DEMO_INTENT_PREFIX = 'pi_demo_'

/** A simulated processing fee of 3.4 %, rounded half up in integer arithmetic. */
export function demoFee(amount: number): number {
  return Math.floor((amount * 34 + 500) / 1000)
}

export function demoWebhookSecret(sessionSecret: string): string {
  return 'whsec_demo_' + crypto.createHmac('sha256', sessionSecret).update('demo-webhook').digest('hex').slice(0, 32)
}

// The SDK is used offline here, only for its signature helpers.
const offlineStripe = new Stripe('sk_test_offline_demo_only')

export function signDemoPayload(payload: string, secret: string): string {
  return offlineStripe.webhooks.generateTestHeaderString({ payload, secret })
}

export function createDemoProvider({
  db,
  baseUrl,
  webhookSecret,
}: {
  db: DB
  baseUrl: string
  webhookSecret: string
}): PaymentProvider {
  return {
    name: 'demo',
    async createCheckout(request) {
      const sessionId = DEMO_SESSION_PREFIX + request.donationPublicId
      return { sessionId, url: `${baseUrl}/donate/demo/${sessionId}` }
    },
    verifyWebhook(rawBody, signature): PaymentEvent {
      if (!signature) throw new WebhookSignatureError('missing Stripe-Signature header')
      let event: Stripe.Event
      try {
        event = offlineStripe.webhooks.constructEvent(rawBody, signature, webhookSecret, WEBHOOK_TOLERANCE_SECONDS)
      } catch (error) {
        throw new WebhookSignatureError((error as Error).message)
      }
      return narrowEvent(event)
    },
    async paymentDetails(paymentIntentId) {
      const publicId = paymentIntentId.slice(DEMO_INTENT_PREFIX.length)
      const donation = await db
        .selectFrom('donations')
        .select(['amount', 'currency'])
        .where('public_id', '=', publicId)
        .executeTakeFirst()
      if (!donation) throw new Error(`demo payment ${paymentIntentId} has no donation`)
      const fee = demoFee(donation.amount)
      return {
        paymentIntentId,
        chargeId: 'ch_demo_' + publicId,
        amount: donation.amount,
        currency: donation.currency,
        fee,
        net: donation.amount - fee,
        donationPublicId: publicId,
      }
    },
    async refund(request) {
      // No money moves: the demo answers at once, under an id made from our refund number.
      return {
        refundId: `re_demo_${request.refundNumber}`,
        status: 'succeeded',
        amount: request.amount,
        currency: request.currency,
        refundedAt: new Date().toISOString(),
      }
    },
    async listRecentEvents() {
      return [] // demo events are delivered synchronously; nothing can be missed
    },
    async cancelSubscription() {
      /* demo subscriptions exist only in our tables */
    },
    async customerPortalUrl() {
      return null // no cards to update: no money moves in the demo
    },
  }
}

/** The event the demo checkout emits when the donor completes or cancels. */
export function demoCheckoutEvent(args: {
  publicId: string
  amount: number
  currency: string
  frequency: 'once' | 'monthly'
  outcome: 'paid' | 'expired'
  now?: Date
}): CheckoutSessionEvent {
  const created = Math.floor((args.now ?? new Date()).getTime() / 1000)
  const sessionId = DEMO_SESSION_PREFIX + args.publicId
  return {
    id: `evt_demo_${args.outcome}_${args.publicId}`,
    type: args.outcome === 'paid' ? 'checkout.session.completed' : 'checkout.session.expired',
    created,
    data: {
      object: {
        id: sessionId,
        object: 'checkout.session',
        mode: 'payment',
        status: args.outcome === 'paid' ? 'complete' : 'expired',
        payment_status: args.outcome === 'paid' ? 'paid' : 'unpaid',
        amount_total: args.amount,
        currency: args.currency.toLowerCase(),
        payment_intent: args.outcome === 'paid' ? DEMO_INTENT_PREFIX + args.publicId : null,
        client_reference_id: args.publicId,
        metadata: { donation_public_id: args.publicId },
      },
    },
  }
}

import Stripe from 'stripe'
import {
  paymentMethodsFor,
  WebhookSignatureError,
  type CheckoutRequest,
  type CheckoutSession,
  type BalanceItem,
  type PaymentDetails,
  type PaymentProvider,
  type RefundResult,
  type Payout,
} from './provider'
import { narrowEvent, type PaymentEvent } from './events'

export const WEBHOOK_TOLERANCE_SECONDS = 300

export type StripeOptions = {
  secretKey: string
  webhookSecret: string
  /** Tests point the real SDK at a local fake server. */
  host?: string
  port?: number
  protocol?: 'http' | 'https'
}

export function createStripeProvider(options: StripeOptions): PaymentProvider {
  const stripe = new Stripe(options.secretKey, {
    host: options.host,
    port: options.port,
    protocol: options.protocol,
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'hope-ledger' },
  })

  return {
    name: 'stripe',

    async createCheckout(request: CheckoutRequest): Promise<CheckoutSession> {
      const methods = paymentMethodsFor(request.currency, request.frequency)
      const metadata = { donation_public_id: request.donationPublicId }
      const lineItem: Stripe.Checkout.SessionCreateParams.LineItem = {
        quantity: 1,
        price_data: {
          currency: request.currency.toLowerCase(),
          unit_amount: request.amount,
          product_data: { name: request.description },
          ...(request.frequency === 'monthly' ? { recurring: { interval: 'month' as const } } : {}),
        },
      }
      const params: Stripe.Checkout.SessionCreateParams = {
        mode: request.frequency === 'monthly' ? 'subscription' : 'payment',
        line_items: [lineItem],
        payment_method_types: methods as Stripe.Checkout.SessionCreateParams.PaymentMethodType[],
        customer_email: request.email,
        client_reference_id: request.donationPublicId,
        locale: request.locale === 'en' ? 'en' : 'zh',
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
        metadata,
        ...(request.frequency === 'monthly'
          ? { subscription_data: { metadata } }
          : { payment_intent_data: { metadata } }),
        ...(methods.includes('wechat_pay') ? { payment_method_options: { wechat_pay: { client: 'web' } } } : {}),
      }
      // The idempotency key was stored on our pending donation before this call, so a retry after a crash reuses it.
      const session = await stripe.checkout.sessions.create(params, { idempotencyKey: request.idempotencyKey })
      if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a URL`)
      return { sessionId: session.id, url: session.url }
    },

    verifyWebhook(rawBody: string, signature: string | null): PaymentEvent {
      if (!signature) throw new WebhookSignatureError('missing Stripe-Signature header')
      let event: Stripe.Event
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, options.webhookSecret, WEBHOOK_TOLERANCE_SECONDS)
      } catch (error) {
        throw new WebhookSignatureError((error as Error).message)
      }
      return narrowEvent(event)
    },

    async paymentDetails(paymentIntentId: string): Promise<PaymentDetails> {
      const intent = await stripe.paymentIntents.retrieve(paymentIntentId, {
        expand: ['latest_charge.balance_transaction'],
      })
      const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null
      const balance = charge && typeof charge.balance_transaction === 'object' ? charge.balance_transaction : null
      // Fee and net come from the balance transaction; amounts there are in the settlement currency,
      // so we book in the charge currency only when they match, else fee is unknown (0) and recorded as such.
      const sameCurrency = balance && balance.currency.toUpperCase() === intent.currency.toUpperCase()
      const fee = sameCurrency ? balance!.fee : 0
      return {
        paymentIntentId: intent.id,
        chargeId: charge?.id ?? null,
        amount: intent.amount_received || intent.amount,
        currency: intent.currency.toUpperCase(),
        fee,
        net: (intent.amount_received || intent.amount) - fee,
        donationPublicId: intent.metadata?.donation_public_id ?? null,
      }
    },

    async refund(request): Promise<RefundResult> {
      let refund: Stripe.Refund
      try {
        // Our refund number is the Idempotency-Key: a retry after a timeout gets the same refund, never a second.
        refund = await stripe.refunds.create(
          {
            payment_intent: request.paymentRef,
            amount: request.amount,
            reason: 'requested_by_customer',
            metadata: {
              donation_public_id: request.donationPublicId,
              refund_number: request.refundNumber,
              reason: request.reason.slice(0, 500),
            },
          },
          { idempotencyKey: request.refundNumber },
        )
      } catch (error) {
        // Stripe said no (an amount beyond the charge, a disputed charge): nothing moved. Anything else may be retried.
        if (error instanceof Stripe.errors.StripeInvalidRequestError)
          return {
            refundId: '',
            status: 'failed',
            amount: request.amount,
            currency: request.currency,
            refundedAt: new Date().toISOString(),
            failure: error.message,
          }
        throw error
      }
      return {
        refundId: refund.id,
        status:
          refund.status === 'succeeded'
            ? 'succeeded'
            : refund.status === 'failed' || refund.status === 'canceled'
              ? 'failed'
              : 'pending',
        amount: refund.amount,
        currency: refund.currency.toUpperCase(),
        refundedAt: new Date(refund.created * 1000).toISOString(),
        ...(refund.failure_reason ? { failure: refund.failure_reason } : {}),
      }
    },

    async listRecentEvents({ since, limit }): Promise<PaymentEvent[]> {
      const events: PaymentEvent[] = []
      for await (const event of stripe.events.list({
        created: { gte: Math.floor(since.getTime() / 1000) },
        limit: 100,
      })) {
        events.push(narrowEvent(event))
        if (events.length >= limit) break
      }
      return events
    },

    async listPayouts({ since, until, limit }): Promise<Payout[]> {
      const payouts: Payout[] = []
      const at = (seconds: number) => new Date(seconds * 1000).toISOString()
      for await (const p of stripe.payouts.list({
        created: { gte: Math.floor(since.getTime() / 1000), lt: Math.floor(until.getTime() / 1000) },
        limit: 100,
      })) {
        payouts.push({
          id: p.id,
          amount: p.amount,
          currency: p.currency.toUpperCase(),
          status: p.status,
          created: at(p.created),
          arrivalDate: at(p.arrival_date),
        })
        if (payouts.length >= limit) break
      }
      return payouts
    },

    async payoutItems(payoutId: string): Promise<BalanceItem[]> {
      const items: BalanceItem[] = []
      for await (const t of stripe.balanceTransactions.list({ payout: payoutId, limit: 100 })) {
        const source = typeof t.source === 'string' ? t.source : (t.source?.id ?? null)
        items.push({
          id: t.id,
          type: t.type,
          source,
          amount: t.amount,
          fee: t.fee,
          net: t.net,
          currency: t.currency.toUpperCase(),
          created: new Date(t.created * 1000).toISOString(),
        })
      }
      return items
    },

    async cancelSubscription(subscriptionId: string) {
      await stripe.subscriptions.cancel(subscriptionId)
    },

    async customerPortalUrl(customerId: string, returnUrl: string) {
      const session = await stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl })
      return session.url
    },
  }
}

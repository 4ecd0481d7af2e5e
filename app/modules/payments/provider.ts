import type { PaymentEvent } from './events'

// One interface for payment providers, so a domestic provider can stand beside Stripe.
// Events are normalised to Stripe's shapes (./events.ts; the demo checkout emits them too).

export type CheckoutRequest = {
  donationPublicId: string
  idempotencyKey: string
  amount: number
  currency: string
  frequency: 'once' | 'monthly'
  description: string
  email: string
  locale: 'zh-CN' | 'en'
  successUrl: string
  cancelUrl: string
  /** The donor's browser, where a provider has a separate phone flow (Alipay's 手机网站支付, WeChat Pay's H5 and JSAPI). */
  device?: 'desktop' | 'mobile' | 'wechat'
  /** The donor's openid for this app, inside WeChat's browser (WeChat Pay JSAPI). */
  openid?: string
  /** The donor's address, which WeChat Pay H5 requires (scene_info.payer_client_ip). */
  clientIp?: string
}

export type CheckoutSession = { sessionId: string; url: string }

/** What the balance transaction says: the fee the processor kept and the net we received. */
export type PaymentDetails = {
  paymentIntentId: string
  chargeId: string | null
  amount: number
  currency: string
  fee: number
  net: number
  /** The donation the payment was made for (the intent's metadata), when the provider knows it. */
  donationPublicId?: string | null
}

/** The providers that take payments online (also in db/tables/giving.ts). */
export type PaymentProviderName = 'stripe' | 'demo' | 'alipay' | 'wechatpay'

/**
 * A refund we ask the provider for (staff desk, app/modules/donations/refunds.server.ts).
 * `refundNumber` is ours and unique per request: the provider must treat a repeat of the
 * same number as the same refund (Stripe: the Idempotency-Key; Alipay: out_request_no;
 * WeChat Pay: out_refund_no), so a retry after a timeout or crash never pays twice.
 */
export type RefundRequest = {
  refundNumber: string
  donationPublicId: string
  /** The payment as the provider named it: Stripe's payment intent, Alipay's trade_no. */
  paymentRef: string
  /** Minor units, never more than what remains refundable (checked by the caller and again by the provider). */
  amount: number
  /** What the payment was (minor units): WeChat Pay checks a refund's order total. */
  paymentAmount?: number
  currency: string
  reason: string
}

/**
 * The provider's answer. `refundId` is the key the refund is booked under
 * (donation_reversals.provider_ref): it must be the same string the provider's refund
 * notification yields, so whichever of the answer and the notification arrives first books
 * it and the other finds it booked. `pending`: accepted, the notification will say; `failed`:
 * refused, nothing moved.
 */
export type RefundResult = {
  refundId: string
  status: 'succeeded' | 'pending' | 'failed'
  amount: number
  currency: string
  /** When the money went back, ISO instant. */
  refundedAt: string
  failure?: string
}

export interface PaymentProvider {
  readonly name: PaymentProviderName
  /** Whose notifications it verifies: the payment_events.provider its event ids are recorded under (default 'stripe'). */
  readonly notifications?: 'stripe' | 'alipay' | 'wechatpay'
  createCheckout(request: CheckoutRequest): Promise<CheckoutSession>
  /**
   * Verify the signature over the raw body and narrow the event (narrowEvent); throws
   * WebhookSignatureError when the signature fails, MalformedEventError when the body is no event.
   */
  verifyWebhook(rawBody: string, signature: string | null): PaymentEvent
  paymentDetails(paymentIntentId: string): Promise<PaymentDetails>
  /** The payment as a verified notification itself settles it (no look-up needed); null or absent: ask paymentDetails. */
  detailsFromEvent?(event: PaymentEvent): PaymentDetails | null
  /** Recent events, newest first, for the reconcile command. */
  listRecentEvents(options: { since: Date; limit: number }): Promise<PaymentEvent[]>
  /** Payouts created in [since, until), newest first (the finance reconciliation); absent where the provider has none. */
  listPayouts?(options: { since: Date; until: Date; limit: number }): Promise<Payout[]>
  /** The balance transactions a payout settled. */
  payoutItems?(payoutId: string): Promise<BalanceItem[]>
  cancelSubscription(subscriptionId: string): Promise<void>
  /**
   * Give money back for a payment this provider took (full or partial). Absent: the
   * provider cannot refund (the desk then offers only an offline refund with a bank reference).
   * Throws on a network or protocol error (the request stays open and may be retried with
   * the same refundNumber); answers `failed` when the provider refused it.
   */
  refund?(request: RefundRequest): Promise<RefundResult>
  /** A page where the donor updates their card for a subscription (Stripe's customer portal); null where the provider has none. */
  customerPortalUrl(customerId: string, returnUrl: string): Promise<string | null>
}

/** A transfer from the provider's balance to the foundation's bank account. */
export type Payout = {
  id: string
  amount: number
  currency: string
  status: string
  /** ISO moments. */
  created: string
  arrivalDate: string
}

/** One movement in a payout: a charge, a refund, a dispute, a fee, the payout itself. */
export type BalanceItem = {
  id: string
  /** Stripe's type: charge, payment, refund, payment_refund, adjustment, stripe_fee, payout, … */
  type: string
  /** The charge, refund, dispute or payout id it moved money for. */
  source: string | null
  amount: number
  fee: number
  net: number
  currency: string
  created: string
}

export class WebhookSignatureError extends Error {}

/** A fee at a rate in basis points (for providers whose notification reports none), rounded half up in integer arithmetic. */
export function feeAtRate(amount: number, rateBps: number): number {
  return Math.floor((amount * rateBps + 5000) / 10000)
}

/** Which payment methods to offer: Alipay and WeChat Pay only for one-time payments in currencies Stripe supports for them. */
export function paymentMethodsFor(currency: string, frequency: 'once' | 'monthly'): string[] {
  if (frequency === 'monthly') return ['card']
  const c = currency.toUpperCase()
  const methods = ['card']
  if (['CNY', 'HKD', 'USD', 'EUR', 'GBP', 'AUD', 'CAD', 'SGD', 'JPY', 'NZD', 'MYR'].includes(c)) methods.push('alipay')
  if (['CNY', 'HKD', 'USD', 'EUR', 'GBP', 'AUD', 'CAD', 'SGD', 'JPY', 'DKK', 'NOK', 'SEK', 'CHF'].includes(c))
    methods.push('wechat_pay')
  return methods
}

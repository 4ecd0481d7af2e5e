// Stripe-shaped event builders and real signatures for webhook tests.
import Stripe from 'stripe'

const stripe = new Stripe('sk_test_signing_only')
let counter = 0
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(++counter).toString(36)}`

export function sign(event: object, secret: string, timestamp?: number) {
  const payload = JSON.stringify(event)
  return { payload, signature: stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }) }
}

const envelope = (type: string, object: object, id = nextId('evt')) => ({
  id,
  object: 'event',
  type,
  created: Math.floor(Date.now() / 1000),
  data: { object },
})

export function sessionCompleted(a: {
  publicId: string
  sessionId?: string
  intentId: string
  amount: number
  currency?: string
  paid?: boolean
  type?:
    'checkout.session.completed' | 'checkout.session.async_payment_succeeded' | 'checkout.session.async_payment_failed'
  eventId?: string
}) {
  return envelope(
    a.type ?? 'checkout.session.completed',
    {
      id: a.sessionId ?? `cs_for_${a.publicId}`,
      object: 'checkout.session',
      mode: 'payment',
      status: 'complete',
      payment_status: a.paid === false ? 'unpaid' : 'paid',
      amount_total: a.amount,
      currency: (a.currency ?? 'cny').toLowerCase(),
      payment_intent: a.intentId,
      client_reference_id: a.publicId,
      metadata: { donation_public_id: a.publicId },
    },
    a.eventId,
  )
}

export function subscriptionCompleted(a: { publicId: string; subscriptionId: string; customerId?: string }) {
  return envelope('checkout.session.completed', {
    id: nextId('cs'),
    object: 'checkout.session',
    mode: 'subscription',
    status: 'complete',
    payment_status: 'paid',
    subscription: a.subscriptionId,
    customer: a.customerId ?? 'cus_1',
    client_reference_id: a.publicId,
    metadata: { donation_public_id: a.publicId },
  })
}

export function invoicePaid(a: {
  publicId: string
  invoiceId: string
  intentId: string
  subscriptionId: string
  amount: number
}) {
  return envelope('invoice.paid', {
    id: a.invoiceId,
    object: 'invoice',
    amount_paid: a.amount,
    currency: 'cny',
    customer: 'cus_1',
    subscription: a.subscriptionId,
    payment_intent: a.intentId,
    subscription_details: { metadata: { donation_public_id: a.publicId } },
  })
}

export function chargeRefunded(a: {
  publicId: string
  intentId: string
  chargeId: string
  amount: number
  refunds: { id: string; amount: number }[]
}) {
  return envelope('charge.refunded', {
    id: a.chargeId,
    object: 'charge',
    amount: a.amount,
    currency: 'cny',
    payment_intent: a.intentId,
    amount_refunded: a.refunds.reduce((s, r) => s + r.amount, 0),
    metadata: { donation_public_id: a.publicId },
    refunds: {
      object: 'list',
      data: a.refunds.map((r) => ({
        id: r.id,
        object: 'refund',
        amount: r.amount,
        currency: 'cny',
        status: 'succeeded',
        created: Math.floor(Date.now() / 1000),
      })),
    },
  })
}

export function dispute(a: {
  type: 'charge.dispute.created' | 'charge.dispute.closed'
  disputeId: string
  intentId: string
  chargeId: string
  amount: number
  status?: string
}) {
  return envelope(a.type, {
    id: a.disputeId,
    object: 'dispute',
    amount: a.amount,
    currency: 'cny',
    charge: a.chargeId,
    payment_intent: a.intentId,
    status: a.status ?? 'needs_response',
  })
}

export function subscriptionDeleted(subscriptionId: string) {
  return envelope('customer.subscription.deleted', { id: subscriptionId, object: 'subscription', status: 'canceled' })
}

import type Stripe from 'stripe'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  idOf,
  MalformedEventError,
  metadataPublicId,
  providerTypeOf,
  type PaymentEvent,
} from '~/modules/payments/events'
import { demoCheckoutEvent } from '~/modules/payments/demo.server'
import { WebhookSignatureError } from '~/modules/payments/provider'
import { createStripeProvider } from '~/modules/payments/stripe.server'
import * as ev from '../support/stripe-events'

// The typed boundary: what a signed body narrows to. The real Stripe provider is used
// offline (verifying a signature makes no request).
const SECRET = 'whsec_unit_events'
const provider = createStripeProvider({ secretKey: 'sk_test_unit_offline', webhookSecret: SECRET })
const verify = (body: unknown): PaymentEvent => {
  const { payload, signature } = ev.sign(body as object, SECRET)
  return provider.verifyWebhook(payload, signature)
}

describe('narrowing payment events', () => {
  it('keeps each handled event as its own case, data object included', () => {
    const completed = verify(ev.sessionCompleted({ publicId: 'D-1', intentId: 'pi_1', amount: 100 }))
    expect(completed.type).toBe('checkout.session.completed')
    if (completed.type !== 'checkout.session.completed') throw new Error('not narrowed')
    expect(completed.data.object.payment_intent).toBe('pi_1')
    expect(metadataPublicId(completed.data.object)).toBe('D-1')

    const refunded = verify(
      ev.chargeRefunded({ publicId: 'D-2', intentId: 'pi_2', chargeId: 'ch_2', amount: 100, refunds: [] }),
    )
    expect(refunded.type).toBe('charge.refunded')
    const dispute = verify(
      ev.dispute({ type: 'charge.dispute.closed', disputeId: 'dp_3', intentId: 'pi_3', chargeId: 'ch_3', amount: 9 }),
    )
    if (dispute.type !== 'charge.dispute.closed') throw new Error('not narrowed')
    expect(idOf(dispute.data.object.charge)).toBe('ch_3')
    const invoice = verify(
      ev.invoicePaid({ publicId: 'D-4', invoiceId: 'in_4', intentId: 'pi_4', subscriptionId: 'sub_4', amount: 5 }),
    )
    if (invoice.type !== 'invoice.paid') throw new Error('not narrowed')
    expect(metadataPublicId(invoice.data.object)).toBe('D-4') // from the legacy subscription_details
    expect(verify(ev.subscriptionDeleted('sub_5')).type).toBe('customer.subscription.deleted')
  })

  it('turns every other type into the one ignored case, keeping the name the provider gave it', () => {
    for (const type of ['payment_intent.created', 'x', 'invoice.finalized']) {
      const event = verify({ id: `evt_${type}`, object: 'event', type, created: 1, data: { object: { id: 'o' } } })
      expect(event).toEqual({ id: `evt_${type}`, type: 'ignored', providerType: type, created: 1 })
      expect(providerTypeOf(event)).toBe(type)
    }
  })

  it('refuses a signed body that is no event, and a bad signature', () => {
    for (const body of [
      null,
      [],
      { type: 'charge.refunded', data: { object: {} } },
      { id: 'evt_1', data: { object: {} } },
      { id: 'evt_1', type: 'charge.refunded' },
      { id: 'evt_1', type: 'charge.refunded', data: { object: null } },
      { id: 'evt_1', type: 'charge.refunded', data: { object: [1] } },
      { id: 'evt_1', type: 'charge.refunded', data: { object: 'ch_1' } },
    ])
      expect(() => verify(body), JSON.stringify(body)).toThrow(MalformedEventError)
    const { payload } = ev.sign(ev.subscriptionDeleted('sub_6'), SECRET)
    expect(() => provider.verifyWebhook(payload, ev.sign({}, 'whsec_other').signature)).toThrow(WebhookSignatureError)
    expect(() => provider.verifyWebhook(payload, null)).toThrow(WebhookSignatureError)
  })

  it('reads expandable ids whether Stripe sent the id or the object', () => {
    expect(idOf('pi_1')).toBe('pi_1')
    expect(idOf({ id: 'pi_2' })).toBe('pi_2')
    expect(idOf(null)).toBeNull()
    expect(idOf(undefined)).toBeNull()
    expect(idOf({ id: 7 } as unknown as { id: string })).toBeNull()
  })

  it("accepts Stripe's own event types and the demo checkout's events as cases of the union", () => {
    expectTypeOf<Stripe.CheckoutSessionCompletedEvent>().toMatchTypeOf<PaymentEvent>()
    expectTypeOf<Stripe.CheckoutSessionExpiredEvent>().toMatchTypeOf<PaymentEvent>()
    expectTypeOf<Stripe.InvoicePaidEvent>().toMatchTypeOf<PaymentEvent>()
    expectTypeOf<Stripe.CustomerSubscriptionDeletedEvent>().toMatchTypeOf<PaymentEvent>()
    expectTypeOf<Stripe.ChargeRefundedEvent>().toMatchTypeOf<PaymentEvent>()
    expectTypeOf<Stripe.ChargeDisputeClosedEvent>().toMatchTypeOf<PaymentEvent>()
    const demo = demoCheckoutEvent({
      publicId: 'D-7',
      amount: 100,
      currency: 'CNY',
      frequency: 'once',
      outcome: 'paid',
    })
    expectTypeOf(demo).toMatchTypeOf<PaymentEvent>()
    // What the demo emits narrows back to itself through the real verifier.
    expect(verify(demo)).toEqual(demo)
  })
})

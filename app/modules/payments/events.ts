import type Stripe from 'stripe'

// The payment events we act on, as one discriminated union over the `stripe` package's own
// types. Each data object keeps only the fields we read (Pick), each possibly absent: events
// come from several API versions, the demo checkout emits the same shapes, and a future
// provider (WeChat Pay, Alipay) normalises its notifications into them. A real Stripe event
// of a handled type is assignable to its case (narrowEvent below proves it at compile time).

export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'invoice.paid',
  'customer.subscription.deleted',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.closed',
] as const

export type HandledEventType = (typeof HANDLED_EVENT_TYPES)[number]

/** Fields of a provider object: the id as Stripe types it (an invoice's may be absent), the rest as delivered. */
type Fields<T extends { id?: string }, K extends keyof T> = Pick<T, 'id'> & Partial<Pick<T, K>>

export type CheckoutSessionObject = Fields<
  Stripe.Checkout.Session,
  | 'object'
  | 'mode'
  | 'status'
  | 'payment_status'
  | 'amount_total'
  | 'currency'
  | 'payment_intent'
  | 'client_reference_id'
  | 'metadata'
  | 'subscription'
  | 'customer'
>

/** Invoices before API version 2025-03-31 carried the intent and subscription at the top level. */
type LegacyInvoiceFields = {
  payment_intent?: string | Stripe.PaymentIntent | null
  subscription?: string | Stripe.Subscription | null
  subscription_details?: { metadata?: Stripe.Metadata | null } | null
}

export type InvoiceObject = Fields<
  Stripe.Invoice,
  'object' | 'amount_paid' | 'currency' | 'customer' | 'metadata' | 'parent' | 'lines' | 'payments'
> &
  LegacyInvoiceFields

export type SubscriptionObject = Fields<Stripe.Subscription, 'object' | 'status' | 'customer' | 'metadata'>

export type ChargeObject = Fields<
  Stripe.Charge,
  'object' | 'amount' | 'amount_refunded' | 'currency' | 'payment_intent' | 'metadata' | 'refunds'
>

export type DisputeObject = Fields<
  Stripe.Dispute,
  'object' | 'amount' | 'currency' | 'charge' | 'payment_intent' | 'status' | 'metadata'
>

type Case<T extends HandledEventType, O> = { id: string; type: T; created: number; data: { object: O } }

export type CheckoutSessionEvent = Case<
  | 'checkout.session.completed'
  | 'checkout.session.async_payment_succeeded'
  | 'checkout.session.async_payment_failed'
  | 'checkout.session.expired',
  CheckoutSessionObject
>
export type InvoicePaidEvent = Case<'invoice.paid', InvoiceObject>
export type SubscriptionDeletedEvent = Case<'customer.subscription.deleted', SubscriptionObject>
export type ChargeRefundedEvent = Case<'charge.refunded', ChargeObject>
export type DisputeEvent = Case<'charge.dispute.created' | 'charge.dispute.closed', DisputeObject>

/** Any other event type (ours to receive, not to act on): recorded and answered 200, never a crash. */
export type IgnoredEvent = { id: string; type: 'ignored'; providerType: string; created: number }

export type HandledEvent =
  CheckoutSessionEvent | InvoicePaidEvent | SubscriptionDeletedEvent | ChargeRefundedEvent | DisputeEvent

export type PaymentEvent = HandledEvent | IgnoredEvent

/** The event type as the provider named it, for the payment_events record. */
export const providerTypeOf = (event: PaymentEvent): string =>
  event.type === 'ignored' ? event.providerType : event.type

/** A signed body whose envelope is not an event (no id, no type, no data object). */
export class MalformedEventError extends Error {}

const HANDLED: ReadonlySet<string> = new Set(HANDLED_EVENT_TYPES)

function isHandled(event: Stripe.Event): event is Extract<Stripe.Event, { type: HandledEventType }> {
  return HANDLED.has(event.type)
}

function isEnvelope(value: unknown): value is { id: string; type: string; data: { object: object } } {
  if (!value || typeof value !== 'object') return false
  const { id, type, data } = value as Record<string, unknown>
  if (typeof id !== 'string' || typeof type !== 'string' || !data || typeof data !== 'object') return false
  const object = (data as Record<string, unknown>).object
  return !!object && typeof object === 'object' && !Array.isArray(object)
}

/**
 * Narrow what the SDK verified to the events we handle. The signature proves who sent the
 * body, not its shape, so the envelope is checked here; throws MalformedEventError.
 */
export function narrowEvent(event: Stripe.Event): PaymentEvent {
  if (!isEnvelope(event)) throw new MalformedEventError('the signed body is not an event')
  if (isHandled(event)) return event
  return { id: event.id, type: 'ignored', providerType: event.type, created: event.created }
}

/** The id of an expandable field: Stripe sends either the id or the expanded object. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (typeof value === 'string') return value
  return value && typeof value === 'object' && typeof value.id === 'string' ? value.id : null
}

/** Our donation's public id, from wherever the provider carried the checkout's metadata. */
export function metadataPublicId(
  o: Partial<Pick<InvoiceObject, 'metadata' | 'subscription_details' | 'parent' | 'lines'>>,
): string | null {
  return (
    o.metadata?.donation_public_id ??
    o.subscription_details?.metadata?.donation_public_id ??
    o.parent?.subscription_details?.metadata?.donation_public_id ??
    o.lines?.data?.[0]?.metadata?.donation_public_id ??
    null
  )
}

import type { Transaction } from 'kysely'
import type { DB } from '~/utils/db.server'
import { present } from '~/utils/invariant'
import type { Database } from '../../../db/schema'
import {
  idOf,
  metadataPublicId,
  providerTypeOf,
  type ChargeObject,
  type CheckoutSessionEvent,
  type DisputeEvent,
  type InvoiceObject,
  type PaymentEvent,
} from '../payments/events'
import { groupCommit, type Together } from '../ledger'
import { fulfilPaidCheckouts, type PaidCheckout } from './fulfil-many.server'
import type { PaymentDetails, PaymentProvider } from '../payments/provider'
import { fulfilDonation, lockDonation, reverseDonation } from './fulfil.server'
import { newDonationPublicId, newTrackingCode } from './ids.server'
import { INITIAL_DONATION_STATUS, isBooked, moveDonation, type DonationRow } from './lifecycle.server'
import type { WebhookOutcome, WebhookReceipt } from './outcomes'

// Webhook fulfilment. Each event id is recorded once; the remote look-up (fee and net
// from the balance transaction) happens before the database transaction so no lock is
// held across the network; then claim + fulfil + mark commit together, in a transaction
// shared with the other events arriving at the same moment (group commit, each event in
// its own savepoint). Any unexpected error rolls that event back and propagates, so the
// route answers 5xx and Stripe retries.

export type HandledWebhook = Extract<WebhookReceipt, { kind: 'handled' }>
type Trx = Transaction<Database>

const iso = (unixSeconds: number | undefined, fallback: Date) =>
  new Date(unixSeconds ? unixSeconds * 1000 : fallback.getTime()).toISOString()

/** The payment intent whose balance transaction this event needs, if any. */
function intentToLookUp(event: PaymentEvent): string | null {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return event.data.object.payment_status === 'paid' ? idOf(event.data.object.payment_intent) : null
    case 'invoice.paid': {
      const o = event.data.object
      return idOf(o.payment_intent) ?? idOf(o.payments?.data?.[0]?.payment?.payment_intent)
    }
    case 'charge.refunded':
    case 'charge.dispute.created':
    case 'charge.dispute.closed':
      return idOf(event.data.object.payment_intent)
    default:
      return null
  }
}

export async function handleWebhook(
  db: DB,
  provider: PaymentProvider,
  event: PaymentEvent,
  now = new Date(),
): Promise<HandledWebhook> {
  const type = providerTypeOf(event)
  const source = provider.notifications ?? 'stripe'
  const handled = (outcome: WebhookOutcome): HandledWebhook => ({ kind: 'handled', eventId: event.id, type, outcome })
  const done = await db
    .selectFrom('payment_events')
    .select('processed_at')
    .where('provider', '=', source)
    .where('event_id', '=', event.id)
    .executeTakeFirst()
  if (done?.processed_at) return handled('duplicate')

  const intent = intentToLookUp(event)
  const details = intent ? (provider.detailsFromEvent?.(event) ?? (await provider.paymentDetails(intent))) : null

  // Shared with the fulfilments arriving at the same moment (group-commit.server.ts); a
  // plain paid checkout may run together with the others (fulfil-many.server.ts).
  const together = paidCheckout(event, details, source, type, now)
  const work = async (trx: Trx) => {
    const recorded = await trx
      .insertInto('payment_events')
      .values({
        provider: source,
        event_id: event.id,
        type,
        received_at: now.toISOString(),
        processed_at: null,
        outcome: null,
      })
      .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
      .returning('id')
      .executeTakeFirst()
    // Already recorded: by a concurrent delivery that committed, or an earlier attempt that failed before processing.
    if (!recorded) {
      const claimed = await trx
        .selectFrom('payment_events')
        .select('processed_at')
        .where('provider', '=', source)
        .where('event_id', '=', event.id)
        .executeTakeFirstOrThrow()
      if (claimed.processed_at) return handled('duplicate')
    }
    const outcome = await dispatch(trx, event, details, now)
    await trx
      .updateTable('payment_events')
      .set({ processed_at: now.toISOString(), outcome })
      .where('provider', '=', source)
      .where('event_id', '=', event.id)
      .execute()
    return handled(outcome)
  }
  return groupCommit(db, work, together)
}

/** A paid one-off checkout, which fulfilPaidCheckouts may run together with others. */
function paidCheckout(
  event: PaymentEvent,
  details: PaymentDetails | null,
  source: string,
  type: string,
  now: Date,
): Together<PaidCheckout, HandledWebhook> | undefined {
  if (event.type !== 'checkout.session.completed' && event.type !== 'checkout.session.async_payment_succeeded')
    return undefined
  const o = event.data.object
  if (o.mode === 'subscription' || o.payment_status !== 'paid' || !details) return undefined
  return {
    kind: 'paid-checkout',
    input: { source, event, type, details, at: iso(event.created, now), now },
    run: fulfilPaidCheckouts,
  }
}

async function dispatch(
  trx: Trx,
  event: PaymentEvent,
  details: PaymentDetails | null,
  now: Date,
): Promise<WebhookOutcome> {
  const at = iso(event.created, now)
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired':
      return checkoutSession(trx, event, details, at)
    case 'invoice.paid':
      return invoicePaid(trx, event.data.object, details, at)
    case 'customer.subscription.deleted': {
      const result = await trx
        .updateTable('recurring_gifts')
        .set({ status: 'canceled', canceled_at: at })
        .where('provider_subscription_id', '=', String(event.data.object.id))
        .executeTakeFirst()
      return Number(result.numUpdatedRows) ? 'subscription-canceled' : 'unknown-subscription'
    }
    case 'charge.refunded':
      return chargeRefunded(trx, event.data.object, details, at)
    case 'charge.dispute.created':
    case 'charge.dispute.closed':
      return dispute(trx, event, details, at)
    case 'ignored':
      return 'ignored'
  }
}

async function checkoutSession(
  trx: Trx,
  event: CheckoutSessionEvent,
  details: PaymentDetails | null,
  at: string,
): Promise<WebhookOutcome> {
  const o = event.data.object
  const donation = await lockDonation(trx, { publicId: metadataPublicId(o) ?? o.client_reference_id ?? '' })
  if (event.type === 'checkout.session.async_payment_failed' || event.type === 'checkout.session.expired') {
    // Paid, or marked unpaid already: the session no longer decides anything.
    if (!donation || donation.status !== 'pending') return 'ignored'
    await moveDonation(trx, donation, event.type === 'checkout.session.expired' ? 'canceled' : 'failed')
    return 'marked-unpaid'
  }
  if (!donation) return 'unknown-donation'
  if (o.mode === 'subscription') {
    await activateRecurring(trx, donation, idOf(o.subscription), idOf(o.customer))
    return 'subscription-active' // each instalment is fulfilled by its invoice.paid
  }
  if (o.payment_status !== 'paid' || !details) return 'awaiting-payment'
  return fulfilDonation(trx, donation, { ...details, paidAt: at, sessionId: o.id })
}

/** How a refund or a dispute names its payment: metadata, the intent, the charge. */
type ChargeRefs = {
  metadata: Parameters<typeof metadataPublicId>[0]
  paymentIntentId: string | null
  chargeId: string
}

async function findDonationForCharge(trx: Trx, refs: ChargeRefs, details: PaymentDetails | null) {
  return (
    (await lockDonation(trx, { publicId: metadataPublicId(refs.metadata) ?? '' })) ??
    (await lockDonation(trx, { paymentIntentId: refs.paymentIntentId ?? '' })) ??
    (await lockDonation(trx, { chargeId: refs.chargeId })) ??
    (await donationNamedByIntent(trx, details))
  )
}

/**
 * A dispute carries no metadata, and a gift whose checkout event has not arrived yet has
 * no intent or charge recorded: the intent's own metadata names the donation. Only a gift
 * not yet tied to another payment qualifies, so metadata can never move a refund or a
 * dispute onto a gift paid through a different intent.
 */
async function donationNamedByIntent(trx: Trx, details: PaymentDetails | null) {
  if (!details?.donationPublicId) return undefined
  const named = await lockDonation(trx, { publicId: details.donationPublicId })
  const ownIntent = named?.provider_payment_intent_id
  return named && (!ownIntent || ownIntent === details.paymentIntentId) ? named : undefined
}

/**
 * A refund or a lost dispute whose payment we could not book first (no payment details):
 * the ledger has nothing to reverse yet. Fail the delivery so the provider retries it once
 * the payment is booked, rather than record the event as done.
 */
function bookedOrRetry(donation: DonationRow): DonationRow {
  if (!isBooked(donation.status))
    throw new Error(`donation ${donation.public_id} is ${donation.status}: its payment is not booked yet, retry`)
  return donation
}

/** The donation as it now stands, re-read under the same lock after a move. */
async function reread(trx: Trx, donation: DonationRow): Promise<DonationRow> {
  return present(await lockDonation(trx, { publicId: donation.public_id }), `donation ${donation.public_id}`)
}

async function activateRecurring(
  trx: Trx,
  donation: DonationRow,
  subscriptionId: string | null,
  customerId: string | null,
) {
  if (!donation.recurring_gift_id || !subscriptionId) return
  await trx
    .updateTable('recurring_gifts')
    .set({ status: 'active', provider_subscription_id: subscriptionId, provider_customer_id: customerId })
    .where('id', '=', donation.recurring_gift_id)
    .where('status', '=', 'pending')
    .execute()
}

async function invoicePaid(
  trx: Trx,
  invoice: InvoiceObject,
  details: PaymentDetails | null,
  at: string,
): Promise<WebhookOutcome> {
  const invoiceId = invoice.id
  if (typeof invoiceId !== 'string') return 'unknown-donation'
  const existing = await trx
    .selectFrom('donations')
    .select('id')
    .where('provider_invoice_id', '=', invoiceId)
    .executeTakeFirst()
  if (existing) return 'already'
  const first = await lockDonation(trx, { publicId: metadataPublicId(invoice) ?? '' })
  if (!first || !details) return 'unknown-donation'
  await activateRecurring(
    trx,
    first,
    idOf(invoice.subscription) ?? idOf(invoice.parent?.subscription_details?.subscription),
    idOf(invoice.customer),
  )
  // The first instalment fulfils the donation made at checkout; each later one is a donation of its own.
  if (first.status === 'pending') return fulfilDonation(trx, first, { ...details, paidAt: at, invoiceId })
  const { id: _id, ...template } = first
  const next = await trx
    .insertInto('donations')
    .values({
      ...template,
      public_id: newDonationPublicId(),
      tracking_code: newTrackingCode(),
      status: INITIAL_DONATION_STATUS,
      provider_session_id: null,
      provider_invoice_id: null,
      provider_payment_intent_id: null,
      provider_charge_id: null,
      checkout_idempotency_key: null,
      fee_amount: null,
      refunded_amount: 0,
      created_at: at,
      paid_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return fulfilDonation(trx, next, { ...details, paidAt: at, invoiceId })
}

async function chargeRefunded(
  trx: Trx,
  charge: ChargeObject,
  details: PaymentDetails | null,
  at: string,
): Promise<WebhookOutcome> {
  const donation = await findDonationForCharge(
    trx,
    { metadata: charge, paymentIntentId: idOf(charge.payment_intent), chargeId: String(charge.id) },
    details,
  )
  if (!donation) return 'unknown-donation'
  // A refund can overtake checkout.session.completed: book the payment first, then its refund.
  if (donation.status === 'pending' && details) await fulfilDonation(trx, donation, { ...details, paidAt: at })
  let fresh = await reread(trx, donation)
  const refunds = (charge.refunds?.data ?? []).filter((r) => r.status === 'succeeded')
  let booked = 0
  if (refunds.length) {
    for (const r of refunds) {
      const outcome = await reverseDonation(trx, bookedOrRetry(fresh), {
        kind: 'refund',
        providerRef: r.id,
        amount: r.amount,
        currency: String(r.currency ?? charge.currency).toUpperCase(),
        occurredAt: iso(r.created, new Date(at)),
      })
      if (outcome === 'reversed') {
        booked++
        fresh = await reread(trx, fresh)
      }
    }
  } else {
    // Without the refund list, book the difference between Stripe's total and what we already recorded.
    const recorded = await trx
      .selectFrom('donation_reversals')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('n'))
      .where('donation_id', '=', fresh.id)
      .where('kind', '=', 'refund')
      .executeTakeFirstOrThrow()
    const delta = (charge.amount_refunded ?? 0) - Number(recorded.n)
    if (delta > 0) {
      await reverseDonation(trx, bookedOrRetry(fresh), {
        kind: 'refund',
        providerRef: `${charge.id}:refunded:${charge.amount_refunded}`,
        amount: delta,
        currency: String(charge.currency).toUpperCase(),
        occurredAt: at,
      })
      booked++
    }
  }
  return booked ? 'refunded' : 'already'
}

async function dispute(
  trx: Trx,
  event: DisputeEvent,
  details: PaymentDetails | null,
  at: string,
): Promise<WebhookOutcome> {
  const dp = event.data.object
  const donation = await findDonationForCharge(
    trx,
    { metadata: dp, paymentIntentId: idOf(dp.payment_intent), chargeId: idOf(dp.charge) ?? String(dp.id) },
    details,
  )
  if (!donation) return 'unknown-donation'
  if (donation.status === 'pending' && details) await fulfilDonation(trx, donation, { ...details, paidAt: at })
  const fresh = await reread(trx, donation)
  if (event.type === 'charge.dispute.created') {
    // Money moves in the ledger only when the dispute is lost; until then the gift is marked disputed.
    if (fresh.status === 'paid' || fresh.status === 'partially_refunded') await moveDonation(trx, fresh, 'disputed')
    return 'dispute-open'
  }
  if (dp.status === 'lost') {
    return reverseDonation(trx, bookedOrRetry(fresh), {
      kind: 'dispute',
      providerRef: dp.id,
      amount: present(dp.amount, `dispute ${dp.id} without an amount`),
      currency: String(dp.currency).toUpperCase(),
      occurredAt: at,
    })
  }
  if (fresh.status === 'disputed')
    await moveDonation(trx, fresh, fresh.refunded_amount > 0 ? 'partially_refunded' : 'paid')
  return 'dispute-won'
}

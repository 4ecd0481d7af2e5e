import type { DB } from '~/utils/db.server'
import type { PaymentDetails, PaymentProvider, WebhookEvent } from '../payments/provider'
import { fulfilDonation, lockDonation, reverseDonation, type DonationRow } from './fulfil.server'
import { newDonationPublicId, newTrackingCode } from './ids.server'

// Webhook fulfilment. Each event id is recorded once; the remote look-up (fee and net
// from the balance transaction) happens before the database transaction so no lock is
// held across the network; then claim + fulfil + mark commit together. Any unexpected
// error rolls everything back and propagates, so the route answers 5xx and Stripe retries.

export type WebhookOutcome = { eventId: string; type: string; outcome: string }

const iso = (unixSeconds: number | undefined, fallback: Date) =>
  new Date(unixSeconds ? unixSeconds * 1000 : fallback.getTime()).toISOString()
const idOf = (v: unknown): string | null =>
  typeof v === 'string' ? v : v && typeof v === 'object' && 'id' in v ? String((v as { id: unknown }).id) : null

/** The payment intent whose balance transaction this event needs, if any. */
function intentToLookUp(event: WebhookEvent): string | null {
  const o = event.data.object
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return o.payment_status === 'paid' ? idOf(o.payment_intent) : null
    case 'invoice.paid':
      return idOf(o.payment_intent) ?? idOf(o.payments?.data?.[0]?.payment?.payment_intent)
    case 'charge.refunded':
    case 'charge.dispute.created':
    case 'charge.dispute.closed':
      return idOf(o.payment_intent)
    default:
      return null
  }
}

function metadataPublicId(o: any): string | null {
  return (
    o?.metadata?.donation_public_id ??
    o?.subscription_details?.metadata?.donation_public_id ??
    o?.parent?.subscription_details?.metadata?.donation_public_id ??
    o?.lines?.data?.[0]?.metadata?.donation_public_id ??
    null
  )
}

export async function handleWebhook(
  db: DB,
  provider: PaymentProvider,
  event: WebhookEvent,
  now = new Date(),
): Promise<WebhookOutcome> {
  const done = await db
    .selectFrom('payment_events')
    .select('processed_at')
    .where('provider', '=', 'stripe')
    .where('event_id', '=', event.id)
    .executeTakeFirst()
  if (done?.processed_at) return { eventId: event.id, type: event.type, outcome: 'duplicate' }

  const intent = intentToLookUp(event)
  const details = intent ? await provider.paymentDetails(intent) : null

  return db.transaction().execute(async (trx) => {
    const recorded = await trx
      .insertInto('payment_events')
      .values({
        provider: 'stripe',
        event_id: event.id,
        type: event.type,
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
        .where('provider', '=', 'stripe')
        .where('event_id', '=', event.id)
        .executeTakeFirstOrThrow()
      if (claimed.processed_at) return { eventId: event.id, type: event.type, outcome: 'duplicate' }
    }
    const outcome = await dispatch(trx, event, details, now)
    await trx
      .updateTable('payment_events')
      .set({ processed_at: now.toISOString(), outcome })
      .where('provider', '=', 'stripe')
      .where('event_id', '=', event.id)
      .execute()
    return { eventId: event.id, type: event.type, outcome }
  })
}

type Trx = Parameters<Parameters<ReturnType<DB['transaction']>['execute']>[0]>[0]

async function dispatch(trx: Trx, event: WebhookEvent, details: PaymentDetails | null, now: Date): Promise<string> {
  const o = event.data.object
  const at = iso(event.created, now)
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const donation = await lockDonation(trx, { publicId: metadataPublicId(o) ?? o.client_reference_id ?? '' })
      if (!donation) return 'unknown-donation'
      if (o.mode === 'subscription') {
        await activateRecurring(trx, donation, idOf(o.subscription), idOf(o.customer))
        return 'subscription-active' // each instalment is fulfilled by its invoice.paid
      }
      if (o.payment_status !== 'paid' || !details) return 'awaiting-payment'
      return fulfilDonation(trx, donation, { ...details, paidAt: at, sessionId: o.id })
    }
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired': {
      const donation = await lockDonation(trx, { publicId: metadataPublicId(o) ?? o.client_reference_id ?? '' })
      if (!donation || donation.status !== 'pending') return 'ignored'
      await trx
        .updateTable('donations')
        .set({ status: event.type.endsWith('failed') ? 'failed' : 'canceled' })
        .where('id', '=', donation.id)
        .execute()
      return 'marked-unpaid'
    }
    case 'invoice.paid':
      return invoicePaid(trx, o, details, at)
    case 'customer.subscription.deleted': {
      const result = await trx
        .updateTable('recurring_gifts')
        .set({ status: 'canceled', canceled_at: at })
        .where('provider_subscription_id', '=', String(o.id))
        .executeTakeFirst()
      return Number(result.numUpdatedRows) ? 'subscription-canceled' : 'unknown-subscription'
    }
    case 'charge.refunded':
      return chargeRefunded(trx, o, details, at)
    case 'charge.dispute.created':
    case 'charge.dispute.closed':
      return dispute(trx, event.type, o, details, at)
    default:
      return 'ignored'
  }
}

async function findDonationForCharge(trx: Trx, charge: any, details: PaymentDetails | null) {
  return (
    (await lockDonation(trx, { publicId: metadataPublicId(charge) ?? '' })) ??
    (await lockDonation(trx, { paymentIntentId: idOf(charge.payment_intent) ?? '' })) ??
    (await lockDonation(trx, { chargeId: idOf(charge.charge) ?? String(charge.id) })) ??
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

async function invoicePaid(trx: Trx, invoice: any, details: PaymentDetails | null, at: string): Promise<string> {
  const existing = await trx
    .selectFrom('donations')
    .select('id')
    .where('provider_invoice_id', '=', invoice.id)
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
  if (first.status === 'pending') return fulfilDonation(trx, first, { ...details, paidAt: at, invoiceId: invoice.id })
  const { id: _id, ...template } = first
  const next = await trx
    .insertInto('donations')
    .values({
      ...template,
      public_id: newDonationPublicId(),
      tracking_code: newTrackingCode(),
      status: 'pending',
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
  return fulfilDonation(trx, next as DonationRow, { ...details, paidAt: at, invoiceId: invoice.id })
}

async function chargeRefunded(trx: Trx, charge: any, details: PaymentDetails | null, at: string): Promise<string> {
  const donation = await findDonationForCharge(trx, charge, details)
  if (!donation) return 'unknown-donation'
  // A refund can overtake checkout.session.completed: book the payment first, then its refund.
  if (donation.status === 'pending' && details) await fulfilDonation(trx, donation, { ...details, paidAt: at })
  const fresh = (await lockDonation(trx, { publicId: donation.public_id }))!
  const refunds: any[] = (charge.refunds?.data ?? []).filter((r: any) => r.status === 'succeeded')
  let booked = 0
  if (refunds.length) {
    for (const r of refunds) {
      if (
        (await reverseDonation(trx, fresh, {
          kind: 'refund',
          providerRef: r.id,
          amount: r.amount,
          currency: String(r.currency ?? charge.currency).toUpperCase(),
          occurredAt: iso(r.created, new Date(at)),
        })) === 'reversed'
      )
        booked++
    }
  } else {
    // Without the refund list, book the difference between Stripe's total and what we already recorded.
    const recorded = await trx
      .selectFrom('donation_reversals')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('n'))
      .where('donation_id', '=', fresh.id)
      .where('kind', '=', 'refund')
      .executeTakeFirstOrThrow()
    const delta = charge.amount_refunded - Number(recorded.n)
    if (delta > 0) {
      await reverseDonation(trx, fresh, {
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

async function dispute(trx: Trx, type: string, dp: any, details: PaymentDetails | null, at: string): Promise<string> {
  const donation = await findDonationForCharge(trx, dp, details)
  if (!donation) return 'unknown-donation'
  if (donation.status === 'pending' && details) await fulfilDonation(trx, donation, { ...details, paidAt: at })
  const fresh = (await lockDonation(trx, { publicId: donation.public_id }))!
  if (type === 'charge.dispute.created') {
    // Money moves in the ledger only when the dispute is lost; until then the gift is marked disputed.
    if (fresh.status === 'paid' || fresh.status === 'partially_refunded') {
      await trx.updateTable('donations').set({ status: 'disputed' }).where('id', '=', fresh.id).execute()
    }
    return 'dispute-open'
  }
  if (dp.status === 'lost') {
    return reverseDonation(trx, fresh, {
      kind: 'dispute',
      providerRef: dp.id,
      amount: dp.amount,
      currency: String(dp.currency).toUpperCase(),
      occurredAt: at,
    })
  }
  if (fresh.status === 'disputed') {
    const back = fresh.refunded_amount > 0 ? 'partially_refunded' : 'paid'
    await trx.updateTable('donations').set({ status: back }).where('id', '=', fresh.id).execute()
  }
  return 'dispute-won'
}

// What handling a payment event came to. Each is stored in payment_events.outcome and
// answered to the provider; reconcile counts them. Only 'fulfilled', 'refunded',
// 'reversed', 'marked-unpaid', 'dispute-open', 'dispute-won' and the subscription ones
// change anything; the rest record why nothing did.

/** fulfilDonation: the gift was booked now, or had been already (a replay). */
export type FulfilOutcome = 'fulfilled' | 'already'

/** reverseDonation: the refund or withdrawal was booked now, or had been already. */
export type ReversalOutcome = 'reversed' | 'already'

export type WebhookOutcome =
  | FulfilOutcome
  | ReversalOutcome
  | 'duplicate' // this event id was processed before
  | 'unknown-donation' // the event names no donation of ours
  | 'awaiting-payment' // a checkout completed whose payment has not arrived (async methods)
  | 'marked-unpaid' // the payment failed or the checkout expired
  | 'subscription-active'
  | 'subscription-canceled'
  | 'unknown-subscription'
  | 'refunded'
  | 'dispute-open'
  | 'dispute-won'
  | 'ignored' // an event type we do not act on, or one that no longer applies

/** A delivery of a webhook: refused at the door, or handled with an outcome. */
export type WebhookReceipt =
  | { kind: 'rejected'; reason: 'invalid-signature' | 'malformed-event' }
  | { kind: 'handled'; eventId: string; type: string; outcome: WebhookOutcome }

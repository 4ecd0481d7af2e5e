import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { dialectOf } from '~/utils/db.server'
import { present } from '~/utils/invariant'
import { postDonations } from '../ledger'
import { metadataPublicId, type CheckoutSessionEvent } from '../payments/events'
import type { PaymentDetails } from '../payments/provider'
import { activePools, mayMatch } from '../matching/match.server'
import { issueReceipts } from '../receipts/issue.server'
import { donationPosting, paidFields, type Payment } from './fulfil.server'
import { awaitsPayment, moveDonations, type DonationRow } from './lifecycle.server'
import type { HandledWebhook } from './webhook.server'

// Paid checkouts fulfilled together (issue 20): the webhooks one process receives at the
// same moment, run by the group commit as one unit (group-commit.server.ts) that writes
// what each one's own fulfilment would — event record, donation paid, ledger posting, lot,
// receipt and its email — with one multi-row statement per table instead of ~26
// statements each under the chain head. Only the plain case is taken: a pending or failed
// gift in its own currency, not through a team page, not recurring, that no matching pool
// is asked to match (mayMatch), its event and donation once in the unit. Every other item is
// declined and runs its own fulfilment (fulfil.server.ts) in its own savepoint; anything
// unexpected throws, and the group commit then runs every item on its own.

type Trx = Transaction<Database>

export type PaidCheckout = {
  /** payment_events.provider */
  source: string
  event: CheckoutSessionEvent
  /** payment_events.type */
  type: string
  details: PaymentDetails
  /** When the payment happened (the event's time). */
  at: string
  /** When the delivery arrived. */
  now: Date
}

export async function fulfilPaidCheckouts(trx: Trx, items: PaidCheckout[]): Promise<(HandledWebhook | undefined)[]> {
  const publicIdOf = ({ event }: PaidCheckout) =>
    metadataPublicId(event.data.object) ?? event.data.object.client_reference_id ?? ''
  let query = trx
    .selectFrom('donations')
    .selectAll()
    .where('public_id', 'in', [...new Set(items.map(publicIdOf))])
  // SQLite already holds the write lock (BEGIN IMMEDIATE); the group commit holds the head first.
  if (dialectOf(trx) === 'postgres') query = query.forUpdate()
  const donations = new Map((await query.execute()).map((d) => [d.public_id, d]))
  const campaigns = [
    ...new Set([...donations.values()].flatMap((d) => (d.campaign_id === null ? [] : [d.campaign_id]))),
  ]
  const pools = campaigns.length ? await activePools(trx, campaigns) : []

  const events = new Set<string>()
  const taken = new Set<string>()
  const accepted: { item: PaidCheckout; donation: DonationRow; payment: Payment }[] = []
  const answer = new Map<PaidCheckout, HandledWebhook>()
  for (const item of items) {
    const donation = donations.get(publicIdOf(item))
    const key = `${item.source}\u0000${item.event.id}`
    if (
      !donation ||
      events.has(key) ||
      taken.has(donation.public_id) ||
      !awaitsPayment(donation.status) ||
      item.details.currency !== donation.currency ||
      donation.team_id !== null ||
      donation.recurring_gift_id !== null ||
      pools.some((p) => mayMatch(p, donation, { amount: item.details.amount, paidAt: item.at }))
    )
      continue
    events.add(key)
    taken.add(donation.public_id)
    accepted.push({
      item,
      donation,
      payment: { ...item.details, paidAt: item.at, sessionId: item.event.data.object.id },
    })
    answer.set(item, { kind: 'handled', eventId: item.event.id, type: item.type, outcome: 'fulfilled' })
  }
  // One alone gains nothing from this path: it runs its own.
  if (accepted.length < 2) return items.map(() => undefined)

  // Recorded as processed at once: the whole unit commits or none of it does.
  const claimed = await trx
    .insertInto('payment_events')
    .values(
      accepted.map(({ item }) => ({
        provider: item.source,
        event_id: item.event.id,
        type: item.type,
        received_at: item.now.toISOString(),
        processed_at: item.now.toISOString(),
        outcome: 'fulfilled',
      })),
    )
    .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
    .returning('id')
    .execute()
  // An event recorded by an earlier attempt: its own fulfilment knows what to do with it.
  if (claimed.length !== accepted.length) throw new Error('an event of the unit was recorded before')

  const paid = await moveDonations(
    trx,
    accepted.map(({ donation, payment }) => ({ donation, fields: paidFields(payment) })),
    'paid',
  )
  await postDonations(
    trx,
    accepted.map(({ donation, payment }) => donationPosting(donation, payment)),
  )
  await issueReceipts(
    trx,
    paid.map((donation, i) => ({ donation, issuedAt: present(accepted[i], 'accepted gift').payment.paidAt })),
  )
  return items.map((item) => answer.get(item))
}

import type { DB } from '~/utils/db.server'
import { getDonationTrace, type DonationTrace } from '../ledger'
import { providerRefs } from './desk.server'
import { refundRequestsOf } from './refund-queries.server'

// One donation as the desk shows it: the row, its ledger transactions (its own and those
// that moved its money: awards, payouts, transfers), its trace shares, its receipts
// (current and voided), its reversals and its mails, and a timeline merged from all of them.
// Payment events are not tied to a donation in the schema (payment_events keeps only the
// event's id and type), so the timeline reads what each event did, not the event itself.

export type TimelineEntry = {
  at: string
  kind:
    | 'created'
    | 'checkout'
    | 'paid'
    | 'receipt'
    | 'receiptVoided'
    | 'refund'
    | 'refundStaff'
    | 'refundOutside'
    | 'refundPrepared'
    | 'dispute'
    | 'award'
    | 'payout'
    | 'ledger'
    | 'mail'
  /** Words for the entry's detail come from these values (amounts in minor units). */
  amount?: number
  ref?: string
  sequence?: number
  mailId?: number
  template?: string
  mailStatus?: string
}

export async function getDeskDonation(db: DB, id: number) {
  const d = await db
    .selectFrom('donations as d')
    .leftJoin('campaigns as c', 'c.id', 'd.campaign_id')
    .leftJoin('users as u', 'u.id', 'd.recorded_by')
    .selectAll('d')
    .select(['c.title as campaign_title', 'c.title_en as campaign_title_en', 'u.display_name as recorded_by_name'])
    .where('d.id', '=', id)
    .executeTakeFirst()
  if (!d) return undefined

  const [receipts, reversals, transactions, trace, recurring, refundRequests] = await Promise.all([
    db
      .selectFrom('receipts')
      .select(['id', 'number', 'amount', 'currency', 'issued_at', 'voided_at', 'void_reason', 'replaces_receipt_id'])
      .select(['official_number', 'official_attached_at'])
      .where('donation_id', '=', d.id)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('donation_reversals')
      .select(['id', 'kind', 'provider_ref', 'amount', 'currency', 'occurred_at'])
      .where('donation_id', '=', d.id)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('ledger_transactions as x')
      .select(['x.sequence', 'x.kind', 'x.occurred_at', 'x.donation_ref'])
      .where((eb) =>
        eb.or([
          eb('x.donation_ref', '=', d.public_id),
          eb(
            'x.sequence',
            'in',
            eb
              .selectFrom('ledger_traces as t')
              .innerJoin('ledger_lots as l', 'l.id', 't.lot_id')
              .innerJoin('ledger_donations as ld', 'ld.id', 'l.donation_id')
              .select('t.sequence')
              .where('ld.donation_ref', '=', d.public_id),
          ),
        ]),
      )
      .orderBy('x.sequence')
      .execute(),
    getDonationTrace(db, d.public_id),
    d.recurring_gift_id === null
      ? Promise.resolve(undefined)
      : db
          .selectFrom('recurring_gifts')
          .select(['id', 'status', 'amount', 'currency', 'created_at', 'canceled_at'])
          .where('id', '=', d.recurring_gift_id)
          .executeTakeFirst(),
    refundRequestsOf(db, d.id),
  ])

  // Mails about this gift, by the outbox keys their senders use (receipt-mail, refund notice, trace mail).
  const mailKeys = [
    ...receipts.map((r) => `receipt:${r.id}`),
    ...reversals.map((r) => `refund-notice:refund:${r.provider_ref}`),
  ]
  const mails = await db
    .selectFrom('mail_outbox')
    .select(['id', 'template', 'status', 'created_at', 'sent_at', 'to_address'])
    .where((eb) =>
      eb.or([
        ...(mailKeys.length ? [eb('dedupe_key', 'in', mailKeys)] : []),
        eb('dedupe_key', 'like', `gift-reached:${d.id}:%`),
        // Resends from the desk (receipts/desk.server.ts) are keyed by the donation.
        eb('dedupe_key', 'like', `receipt-resend:${d.id}:%`),
      ]),
    )
    .orderBy('id')
    .execute()

  const timeline: TimelineEntry[] = [{ at: d.created_at, kind: 'created', amount: d.amount }]
  if (d.provider_session_id) timeline.push({ at: d.created_at, kind: 'checkout', ref: d.provider_session_id })
  if (d.paid_at) timeline.push({ at: d.paid_at, kind: 'paid', amount: d.amount })
  for (const r of receipts) {
    timeline.push({ at: r.issued_at, kind: 'receipt', ref: r.number, amount: r.amount })
    if (r.voided_at) timeline.push({ at: r.voided_at, kind: 'receiptVoided', ref: r.number })
  }
  // A refund no staff request asked for was made outside the app (the provider's dashboard) and came by webhook.
  const asked = new Set(refundRequests.map((r) => r.provider_refund_id))
  for (const r of reversals) {
    const kind = r.kind === 'dispute' ? 'dispute' : asked.has(r.provider_ref) ? 'refundStaff' : 'refundOutside'
    timeline.push({ at: r.occurred_at, kind, amount: r.amount, ref: r.provider_ref })
  }
  for (const r of refundRequests)
    if (r.status === 'prepared') timeline.push({ at: r.prepared_at, kind: 'refundPrepared', amount: r.amount })
  for (const s of trace?.shares ?? []) {
    timeline.push({ at: s.awardedAt, kind: 'award', amount: s.amount, ref: s.beneficiaryCode })
    if (s.paidAt) timeline.push({ at: s.paidAt, kind: 'payout', amount: s.paid, ref: s.beneficiaryCode })
  }
  for (const x of transactions)
    if (!['donation', 'refund', 'dispute', 'award', 'payout'].includes(x.kind))
      timeline.push({ at: x.occurred_at, kind: 'ledger', sequence: x.sequence, ref: x.kind })
  for (const m of mails)
    timeline.push({
      at: m.sent_at ?? m.created_at,
      kind: 'mail',
      mailId: m.id,
      template: m.template,
      mailStatus: m.status,
    })
  timeline.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))

  return {
    donation: { ...d, refs: providerRefs(d) },
    receipts,
    reversals,
    refundRequests,
    transactions,
    trace: trace ?? null,
    recurring: recurring ?? null,
    mails,
    timeline,
  }
}

export type DeskDonation = NonNullable<Awaited<ReturnType<typeof getDeskDonation>>>
export type { DonationTrace }

import type { Generated } from 'kysely'

// Giving tables (app/modules/donations, app/modules/payments).
// Donor personal data (name, email) lives only here, never in ledger tables.

export type DonationStatus = 'pending' | 'paid' | 'failed' | 'canceled' | 'refunded' | 'partially_refunded' | 'disputed'
export type Designation = 'campaign' | 'general' | 'sponsorship' | 'wish'
export type DisplayMode = 'full' | 'family' | 'anonymous'
export type PaymentProvider = 'stripe' | 'demo' | 'offline' | 'import' | 'alipay' | 'wechatpay'

export interface DonationsTable {
  id: Generated<number>
  public_id: string
  tracking_code: string
  status: DonationStatus
  frequency: 'once' | 'monthly'
  designation: Designation
  campaign_id: number | null
  target_id: number | null
  fund: string
  amount: number
  currency: string
  cover_fee: Generated<number>
  fee_amount: number | null
  refunded_amount: Generated<number>
  donor_name: string
  donor_email: string
  display_mode: DisplayMode
  display_name: string
  message: string | null
  locale: Generated<string>
  provider: PaymentProvider
  checkout_idempotency_key: string | null
  provider_session_id: string | null
  provider_invoice_id: string | null
  provider_payment_intent_id: string | null
  provider_charge_id: string | null
  recurring_gift_id: number | null
  source_ref: string | null
  client_key: string | null
  recorded_by: number | null
  created_at: string
  paid_at: string | null
  /** The team page the gift was given through (app/modules/teams), or null. */
  team_id: Generated<number | null>
  /** Keyed digest of the phone the donor gave (app/modules/matching/match.server.ts), or null. */
  donor_phone_key: Generated<string | null>
}

export interface RecurringGiftsTable {
  id: Generated<number>
  provider: string
  provider_subscription_id: string | null
  provider_customer_id: string | null
  status: 'pending' | 'active' | 'canceled'
  donor_email: string
  amount: number
  currency: string
  created_at: string
  canceled_at: string | null
}

export interface PaymentEventsTable {
  id: Generated<number>
  provider: string
  event_id: string
  type: string
  received_at: string
  processed_at: string | null
  outcome: string | null
}

export interface DonationReversalsTable {
  id: Generated<number>
  donation_id: number
  kind: 'refund' | 'dispute'
  provider_ref: string
  amount: number
  currency: string
  occurred_at: string
}

/** A refund asked for by staff (app/modules/donations/refunds.server.ts); its id makes the refund number. */
export type RefundRequestStatus = 'prepared' | 'requested' | 'succeeded' | 'failed' | 'rejected'

export interface RefundRequestsTable {
  id: Generated<number>
  donation_id: number
  amount: number
  currency: string
  reason: string
  /** Offline gifts: the bank's reference of the money sent back. */
  bank_reference: string | null
  status: RefundRequestStatus
  /** Ours, sent as Stripe's Idempotency-Key and Alipay's out_request_no. */
  refund_number: string
  /** The donation_reversals.provider_ref its booking carries, once the provider answered. */
  provider_refund_id: string | null
  failure: string | null
  prepared_by: number
  prepared_at: string
  approved_by: number | null
  approved_at: string | null
  rejected_by: number | null
  rejected_at: string | null
  completed_at: string | null
}

export interface GivingTables {
  donations: DonationsTable
  recurring_gifts: RecurringGiftsTable
  payment_events: PaymentEventsTable
  donation_reversals: DonationReversalsTable
  refund_requests: RefundRequestsTable
}

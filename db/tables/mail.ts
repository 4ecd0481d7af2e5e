import type { Generated } from 'kysely'

// Receipts and outbox tables (app/modules/receipts, app/modules/mail).

export interface ReceiptCountersTable {
  year: number
  last_sequence: number
}

/** Issued fields are frozen by triggers; void and official fields may each be set once. */
export interface ReceiptsTable {
  id: Generated<number>
  number: string
  year: number
  sequence: number
  donation_id: number
  amount: number
  currency: string
  donor_name: string
  campaign_id: number | null
  designation: string
  paid_at: string
  verification_code: string
  issued_at: string
  replaces_receipt_id: number | null
  voided_at: string | null
  void_reason: string | null
  official_code: string | null
  official_number: string | null
  official_attached_at: string | null
}

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed'

export interface MailOutboxTable {
  id: Generated<number>
  dedupe_key: string
  to_address: string
  template: string
  locale: string
  props: string
  message_id: string
  status: OutboxStatus
  attempts: Generated<number>
  next_attempt_at: string
  lease_owner: string | null
  lease_expires_at: string | null
  last_error: string | null
  created_at: string
  sent_at: string | null
}

/** An official e-receipt (财政电子票据) request; official fields set once, then frozen (triggers). */
export interface OfficialReceiptRequestsTable {
  id: Generated<number>
  donation_id: number
  requested_email: string
  payer_kind: 'person' | 'company'
  payer_name: string
  /** 统一社会信用代码, for a company only. */
  credit_code: string | null
  requested_at: string
  receipt_id: number | null
  official_code: string | null
  official_number: string | null
  check_code: string | null
  /** The official receipt's date, YYYY-MM-DD. */
  official_date: string | null
  /** What the official receipt covers, minor units of the donation's currency. */
  official_amount: number | null
  verify_url: string | null
  attached_at: string | null
  attached_by: number | null
  /** The red-letter (冲红) receipt that reversed it after a refund. */
  reversal_number: string | null
  reversed_at: string | null
  reversed_by: number | null
}

export interface MailTables {
  receipt_counters: ReceiptCountersTable
  receipts: ReceiptsTable
  mail_outbox: MailOutboxTable
  official_receipt_requests: OfficialReceiptRequestsTable
}

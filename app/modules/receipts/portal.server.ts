import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { getEnv } from '~/utils/env.server'
import type { Locale } from '~/utils/i18n'
import { receiptLinks } from './links'
import { purposeTitle, receiptDocumentQuery } from './queries.server'

// For the donor portal (behind its sign-in): one donor's receipts with their links,
// and the years that have an annual statement.

export type DonorReceipt = {
  number: string
  amount: number
  currency: string
  paidAt: string
  issuedAt: string
  purpose: string
  voided: boolean
  replacedBy: string | null
  monthly: boolean
  traceUrl: string
  verifyUrl: string
  pdfUrl: string
}

export async function donorReceipts(
  db: Kysely<Database>,
  { donorEmail, locale }: { donorEmail: string; locale: Locale },
): Promise<DonorReceipt[]> {
  const rows = await receiptDocumentQuery(db)
    .where('d.donor_email', '=', donorEmail)
    .orderBy('r.issued_at', 'desc')
    .orderBy('r.id', 'desc')
    .execute()
  const base = getEnv().BASE_URL
  return rows.map((r) => ({
    number: r.number,
    amount: r.amount,
    currency: r.currency,
    paidAt: r.paid_at,
    issuedAt: r.issued_at,
    purpose: purposeTitle(r, locale),
    voided: r.voided_at !== null,
    replacedBy: r.replaced_by,
    monthly: r.recurring_gift_id !== null,
    ...receiptLinks(base, { number: r.number, code: r.verification_code, trackingCode: r.tracking_code }),
  }))
}

/** Years in which the donor holds at least one valid receipt, newest first. */
export async function statementYears(db: Kysely<Database>, donorEmail: string): Promise<number[]> {
  const rows = await db
    .selectFrom('receipts as r')
    .innerJoin('donations as d', 'd.id', 'r.donation_id')
    .select('r.year')
    .distinct()
    .where('d.donor_email', '=', donorEmail)
    .where('r.voided_at', 'is', null)
    .orderBy('r.year', 'desc')
    .execute()
  return rows.map((r) => r.year)
}

import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { Locale } from '~/utils/i18n'
import { refund, take, type Limit } from '../auth/rate-limit.server'
import { clientKey } from '../donations/ids.server'
import { codesMatch } from './code.server'
import { RECEIPT_NUMBER } from './numbering.server'
import { matchNote, purposeTitle, receiptDocumentQuery, type ReceiptDocumentRow } from './queries.server'

// Public verification: a receipt number and its verification code (typed, or read
// from the PDF's QR code) → what the receipt says. Never the donor's name, email or
// address: anyone holding a printed receipt can check it, and learns only the gift.

export type ReceiptVerification =
  | { valid: false }
  | {
      valid: true
      number: string
      voided: boolean
      voidedAt: string | null
      /** The receipt that replaced this voided one, if any. */
      replacedBy: string | null
      /** The voided receipt this one replaced, if any. */
      replaces: string | null
      amount: number
      currency: string
      /** Date of the gift. */
      date: string
      issuedAt: string
      campaignTitle: string
      /** A sponsor's match of this gift, worded (not part of the receipt's amount). */
      matchNote: string | null
      official: { code: string; number: string } | null
    }

/** The receipt when number and code match; undefined otherwise (one answer for both). */
export async function findReceipt(
  db: Kysely<Database>,
  { number, code }: { number: string; code: string },
): Promise<ReceiptDocumentRow | undefined> {
  const clean = number.trim().toUpperCase()
  if (!RECEIPT_NUMBER.test(clean) || !code.trim()) return undefined
  const row = await receiptDocumentQuery(db).where('r.number', '=', clean).executeTakeFirst()
  if (!row || !codesMatch(row.verification_code, code)) return undefined
  return row
}

export async function verifyReceipt(
  db: Kysely<Database>,
  { number, code, locale = 'zh-CN' }: { number: string; code: string; locale?: Locale },
): Promise<ReceiptVerification> {
  const r = await findReceipt(db, { number, code })
  if (!r) return { valid: false }
  return {
    valid: true,
    number: r.number,
    voided: r.voided_at !== null,
    voidedAt: r.voided_at,
    replacedBy: r.replaced_by,
    replaces: r.replaces,
    amount: r.amount,
    currency: r.currency,
    date: r.paid_at,
    issuedAt: r.issued_at,
    campaignTitle: purposeTitle(r, locale),
    matchNote: matchNote(r, locale),
    official: r.official_code && r.official_number ? { code: r.official_code, number: r.official_number } : null,
  }
}

// Guessing a verification code: a client gets this many wrong answers per window (a right
// one is not counted), then is asked to wait. Keyed by a hash of the client address.
export const VERIFY_GUESS_LIMIT: Limit = { max: 30, windowMs: 15 * 60_000 }

/** verifyReceipt behind the per-client guess limit: `throttled` once it is used up. */
export async function verifyReceiptThrottled(
  db: Kysely<Database>,
  input: { number: string; code: string; locale?: Locale; clientIp: string },
): Promise<ReceiptVerification | { valid: false; throttled: true }> {
  const key = `receipt-verify:${clientKey(input.clientIp) ?? 'unknown'}`
  if (!(await take(db, key, VERIFY_GUESS_LIMIT))) return { valid: false, throttled: true }
  const result = await verifyReceipt(db, input)
  if (result.valid) await refund(db, key, VERIFY_GUESS_LIMIT)
  return result
}

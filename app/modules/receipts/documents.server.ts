import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { getEnv } from '~/utils/env.server'
import type { Locale } from '~/utils/i18n'
import { getOrganisation } from '../organisation/settings.server'
import { receiptLinks } from './links'
import { renderReceiptPdf, renderStatementPdf } from './pdf.server'
import { annualStatement, matchNote, purposeTitle } from './queries.server'
import { findReceipt } from './verify.server'

// PDFs for download. The receipt PDF carries the donor's name, so it is served only
// to whoever holds the receipt's verification code (the donor got it by email).

/** The receipt PDF when number and code match; undefined otherwise. */
export async function receiptPdfForDownload(
  db: Kysely<Database>,
  { number, code, locale }: { number: string; code: string; locale: Locale },
): Promise<{ number: string; pdf: Buffer } | undefined> {
  const r = await findReceipt(db, { number, code })
  if (!r) return undefined
  const { verifyUrl } = receiptLinks(getEnv().BASE_URL, {
    number: r.number,
    code: r.verification_code,
    trackingCode: r.tracking_code,
  })
  const pdf = await renderReceiptPdf(
    {
      number: r.number,
      verificationCode: r.verification_code,
      donorName: r.donor_name,
      amount: r.amount,
      currency: r.currency,
      purpose: purposeTitle(r, locale),
      matchNote: matchNote(r, locale),
      paidAt: r.paid_at,
      issuedAt: r.issued_at,
      voidedAt: r.voided_at,
      replacedBy: r.replaced_by,
      official: r.official_code && r.official_number ? { code: r.official_code, number: r.official_number } : null,
      verifyUrl,
      issuer: await getOrganisation(db),
    },
    locale,
  )
  return { number: r.number, pdf }
}

/** A donor's annual statement PDF (for the donor portal, behind its sign-in); undefined when the year has no receipts. */
export async function annualStatementPdf(
  db: Kysely<Database>,
  { donorEmail, year, locale, now }: { donorEmail: string; year: number; locale: Locale; now: string },
): Promise<Buffer | undefined> {
  const s = await annualStatement(db, { donorEmail, year, locale })
  if (!s) return undefined
  return renderStatementPdf({ ...s, generatedAt: now, issuer: await getOrganisation(db) }, locale)
}

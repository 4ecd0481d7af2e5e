import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { Locale } from '~/utils/i18n'

// Reads shared by issuing, verification, the PDF and statements.

const DESIGNATION_TITLES: Record<string, { 'zh-CN': string; en: string }> = {
  general: { 'zh-CN': '希望工程通用基金', en: 'Hope Project general fund' },
  campaign: { 'zh-CN': '希望工程募捐项目', en: 'Hope Project campaign' },
  sponsorship: { 'zh-CN': '希望之星 1+1 结对资助', en: 'Hope Star 1+1 sponsorship' },
  wish: { 'zh-CN': '微心愿', en: 'Micro-wish' },
}

/** What the gift was for, in the reader's language: the campaign title, else the designation. */
export function purposeTitle(
  row: { campaign_title: string | null; campaign_title_en: string | null; designation: string },
  locale: Locale,
): string {
  if (row.campaign_title) return locale === 'en' ? row.campaign_title_en || row.campaign_title : row.campaign_title
  const d = DESIGNATION_TITLES[row.designation] ?? DESIGNATION_TITLES.general!
  return d[locale]
}

/** A receipt with what its documents need; includes the donor's name, so only for the donor's own views. */
export function receiptDocumentQuery(db: Kysely<Database>) {
  return db
    .selectFrom('receipts as r')
    .innerJoin('donations as d', 'd.id', 'r.donation_id')
    .leftJoin('campaigns as c', 'c.id', 'r.campaign_id')
    .leftJoin('receipts as next', 'next.replaces_receipt_id', 'r.id')
    .leftJoin('receipts as prev', 'prev.id', 'r.replaces_receipt_id')
    .select([
      'r.id',
      'r.number',
      'r.year',
      'r.donation_id',
      'r.amount',
      'r.currency',
      'r.donor_name',
      'r.designation',
      'r.paid_at',
      'r.issued_at',
      'r.verification_code',
      'r.voided_at',
      'r.void_reason',
      'r.official_code',
      'r.official_number',
      'r.official_attached_at',
      'd.tracking_code',
      'd.donor_email',
      'd.locale',
      'd.recurring_gift_id',
      'c.title as campaign_title',
      'c.title_en as campaign_title_en',
      'next.number as replaced_by',
      'prev.number as replaces',
    ])
}

export type ReceiptDocumentRow = NonNullable<
  Awaited<ReturnType<ReturnType<typeof receiptDocumentQuery>['executeTakeFirst']>>
>

export type AnnualStatement = {
  donorName: string
  year: number
  gifts: Array<{ number: string; paidAt: string; purpose: string; amount: number; currency: string }>
  totals: Array<{ amount: number; currency: string }>
}

/**
 * A donor's receipts for one year (by receipt year), voided ones left out: a
 * voided receipt is either replaced (its replacement is listed) or the gift was returned.
 */
export async function annualStatement(
  db: Kysely<Database>,
  { donorEmail, year, locale }: { donorEmail: string; year: number; locale: Locale },
): Promise<AnnualStatement | undefined> {
  const rows = await receiptDocumentQuery(db)
    .where('d.donor_email', '=', donorEmail)
    .where('r.year', '=', year)
    .where('r.voided_at', 'is', null)
    .orderBy('r.paid_at')
    .orderBy('r.id')
    .execute()
  if (rows.length === 0) return undefined
  const totals = new Map<string, number>()
  for (const r of rows) totals.set(r.currency, (totals.get(r.currency) ?? 0) + r.amount)
  return {
    donorName: rows[rows.length - 1]!.donor_name,
    year,
    gifts: rows.map((r) => ({
      number: r.number,
      paidAt: r.paid_at,
      purpose: purposeTitle(r, locale),
      amount: r.amount,
      currency: r.currency,
    })),
    totals: [...totals].map(([currency, amount]) => ({ currency, amount })),
  }
}

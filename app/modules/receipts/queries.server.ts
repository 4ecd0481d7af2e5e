import { sql, type Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { translator, type Locale } from '~/utils/i18n'
import { formatMoney } from '~/utils/money'

// Reads shared by issuing, verification, the PDF and statements.

const DESIGNATION_TITLES: Record<string, { 'zh-CN': string; en: string }> = {
  general: { 'zh-CN': '希望工程通用基金', en: 'Hope Project general fund' },
  campaign: { 'zh-CN': '希望工程募捐项目', en: 'Hope Project campaign' },
  sponsorship: { 'zh-CN': '希望之星 1+1 结对资助', en: 'Hope Star 1+1 sponsorship' },
  wish: { 'zh-CN': '微心愿', en: 'Micro-wish' },
}
const POOL_TITLE = { 'zh-CN': '配捐资金池', en: 'Matching pool' }

/**
 * What the gift was for, in the reader's language: the campaign title, else the
 * designation. A sponsor's money into a matching pool is stored as designation
 * 'general' with the pool as target; it is named by its pool, never "general fund".
 */
export function purposeTitle(
  row: {
    campaign_title: string | null
    campaign_title_en: string | null
    designation: string
    pool_name?: string | null
    pool_name_en?: string | null
  },
  locale: Locale,
): string {
  if (row.campaign_title) return locale === 'en' ? row.campaign_title_en || row.campaign_title : row.campaign_title
  if (row.pool_name) {
    const name = locale === 'en' ? row.pool_name_en || row.pool_name : row.pool_name
    return locale === 'en' ? `${POOL_TITLE.en}: ${name}` : `${POOL_TITLE['zh-CN']}：${name}`
  }
  const d = DESIGNATION_TITLES[row.designation] ?? DESIGNATION_TITLES.general!
  return d[locale]
}

/**
 * The note beside a receipt's amount when a sponsor matched the gift: the match is the
 * sponsor's gift, so the receipt's amount stays the donor's own. Null when not matched
 * (or the whole match went back to its pool).
 */
export function matchNote(
  row: {
    match_amount: number | null
    match_returned: number | null
    match_sponsor: string | null
    match_sponsor_en: string | null
    currency: string
  },
  locale: Locale,
): string | null {
  const amount = Number(row.match_amount ?? 0) - Number(row.match_returned ?? 0)
  if (!row.match_sponsor || amount <= 0) return null
  const sponsor = locale === 'en' ? row.match_sponsor_en || row.match_sponsor : row.match_sponsor
  return translator(locale)('matching.receiptNote', { sponsor, amount: formatMoney(amount, row.currency, locale) })
}

/** A receipt with what its documents need; includes the donor's name, so only for the donor's own views. */
export function receiptDocumentQuery(db: Kysely<Database>) {
  return (
    db
      .selectFrom('receipts as r')
      .innerJoin('donations as d', 'd.id', 'r.donation_id')
      .leftJoin('campaigns as c', 'c.id', 'r.campaign_id')
      .leftJoin('matching_matches as mm', 'mm.donation_id', 'd.id')
      .leftJoin('matching_pools as mp', 'mp.id', 'mm.pool_id')
      // A sponsor's gift into a pool: its fund is the pool's (fund:match:<id>), its target the pool.
      // The pattern is a literal: SQLite re-prepares a statement on every run whose LIKE has a
      // bound pattern, and this one runs in every fulfilment (0.11 ms → 0.01 ms).
      .leftJoin('matching_pools as fp', (j) =>
        j.onRef('fp.id', '=', 'd.target_id').on('d.fund', 'like', sql.lit('fund:match:%')),
      )
      .select((eb) => [
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
        // The receipts either side of a reissue as subqueries, not joins: PostgreSQL plans a
        // seven-table join in ~1.3 ms, this in ~0.45 (the query runs in every fulfilment batch).
        eb
          .selectFrom('receipts as next')
          .select('next.number')
          .whereRef('next.replaces_receipt_id', '=', 'r.id')
          .as('replaced_by'),
        eb
          .selectFrom('receipts as prev')
          .select('prev.number')
          .whereRef('prev.id', '=', 'r.replaces_receipt_id')
          .as('replaces'),
        'mm.amount as match_amount',
        'mm.returned as match_returned',
        'mp.sponsor as match_sponsor',
        'mp.sponsor_en as match_sponsor_en',
        'fp.name as pool_name',
        'fp.name_en as pool_name_en',
      ])
  )
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

import type { Generated } from 'kysely'

// The finance desk's monthly close (app/modules/finance/close.server.ts).

/** An accounting batch for one China-time month; frozen (and immutable, by trigger) once exported. */
export interface FinanceClosesTable {
  id: Generated<number>
  /** YYYY-MM, China time. */
  month: string
  expected_count: number
  /** JSON: CloseTotals (per currency: count, amount, fee, refunded). */
  expected_totals: string
  prepared_by: number
  prepared_at: string
  frozen_by: number | null
  frozen_at: string | null
  /** The CSV handed to the accountant, exactly as first exported. */
  file: string | null
  file_sha256: string | null
  /** JSON: the rows the file holds (public id → amount, fee, refunded, status), for later differences. */
  snapshot: string | null
}

/** Donations counted and summed per China day of payment and filter columns (kept by triggers). */
export interface DonationDayTotalsTable {
  /** YYYY-MM-DD in China time; '' for gifts not paid. */
  day: string
  /** 0 for gifts to no campaign. */
  campaign_id: number
  currency: string
  provider: string
  status: string
  frequency: string
  count: number
  amount: number
  fee: number
  refunded: number
}

export interface FinanceTables {
  finance_closes: FinanceClosesTable
  donation_day_totals: DonationDayTotalsTable
}

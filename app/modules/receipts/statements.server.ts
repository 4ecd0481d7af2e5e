import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { queueEmail } from '../mail/outbox.server'
import type { Locale } from '~/utils/i18n'
import { annualStatement } from './queries.server'

/**
 * Queue a donor's annual statement for a year (run once a year per donor, e.g. in
 * January). Keyed by year and address, so a rerun of the job mails nobody twice.
 * Returns false when the donor has no valid receipt that year.
 */
export async function queueAnnualStatement(
  trx: Kysely<Database>,
  {
    donorEmail,
    year,
    locale,
    now,
    pdfUrl = null,
  }: { donorEmail: string; year: number; locale: Locale; now?: string; pdfUrl?: string | null },
): Promise<boolean> {
  const s = await annualStatement(trx, { donorEmail, year, locale })
  if (!s) return false
  await queueEmail(trx, {
    to: donorEmail,
    template: 'annual-statement',
    locale,
    dedupeKey: `annual-statement:${year}:${donorEmail.toLowerCase()}`,
    now,
    props: {
      donorName: s.donorName,
      year,
      gifts: s.gifts.map((g) => ({
        paidAt: g.paidAt,
        receiptNumber: g.number,
        campaignTitle: g.purpose,
        amount: g.amount,
        currency: g.currency,
      })),
      totals: s.totals,
      pdfUrl,
    },
  })
  return true
}

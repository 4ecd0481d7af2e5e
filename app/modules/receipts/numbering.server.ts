import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { newVerificationCode } from './code.server'
import { chinaDate } from '../../utils/i18n'
import { present } from '../../utils/invariant'

// Receipt numbers: HL-<year>-<sequence>, gapless per year. The year is the
// foundation's (China time): a gift at 23:30 UTC on 31 December, already 1 January in Beijing, belongs to
// the next year, as it does on the foundation's books.

export const RECEIPT_PREFIX = 'HL'

export function receiptYear(issuedAt: string): number {
  const date = new Date(issuedAt)
  if (Number.isNaN(date.getTime())) throw new RangeError(`not an ISO time: ${issuedAt}`)
  return Number(chinaDate(date).slice(0, 4))
}

export function formatReceiptNumber(year: number, sequence: number): string {
  return `${RECEIPT_PREFIX}-${year}-${String(sequence).padStart(6, '0')}`
}

export const RECEIPT_NUMBER = /^HL-(\d{4})-(\d{6,})$/

/**
 * Take the next `count` numbers of the year inside the caller's transaction.
 *
 * A counter row rather than a database sequence: sequences are not transactional,
 * so a rolled-back fulfilment would leave a hole. The upsert takes the counter row's
 * lock (on PostgreSQL the same row lock SELECT … FOR UPDATE takes; on SQLite the
 * transaction already holds the write lock from BEGIN IMMEDIATE) and keeps it until
 * the caller commits or rolls back, so numbers are handed out strictly one after the
 * other and a rollback returns its number. The price: receipt issuing is serialised
 * per year, which is what "gapless" means.
 */
export async function nextReceiptNumbers(
  trx: Kysely<Database>,
  year: number,
  count: number,
): Promise<{ sequence: number; number: string }[]> {
  const row = await trx
    .insertInto('receipt_counters')
    .values({ year, last_sequence: count })
    .onConflict((oc) =>
      oc
        .column('year')
        .doUpdateSet((eb) => ({ last_sequence: eb(eb.ref('receipt_counters.last_sequence'), '+', count) })),
    )
    .returning('last_sequence')
    .executeTakeFirstOrThrow()
  const first = row.last_sequence - count + 1
  return Array.from({ length: count }, (_, i) => ({
    sequence: first + i,
    number: formatReceiptNumber(year, first + i),
  }))
}

export type NewReceipt = {
  donationId: number
  amount: number
  currency: string
  donorName: string
  campaignId: number | null
  designation: string
  paidAt: string
  issuedAt: string
  replaces: number | null
}

/** Number and write a receipt row (a fresh verification code each time). */
export async function insertReceipt(
  trx: Kysely<Database>,
  r: NewReceipt,
): Promise<{ receiptId: number; number: string }> {
  const [one] = await insertReceipts(trx, [r])
  return present(one, 'one receipt, one number')
}

/** insertReceipt for several, numbered in order, one counter update per year and one insert. */
export async function insertReceipts(
  trx: Kysely<Database>,
  receipts: NewReceipt[],
): Promise<{ receiptId: number; number: string }[]> {
  if (!receipts.length) return []
  const years = receipts.map((r) => receiptYear(r.issuedAt))
  const numbers = new Map<number, { sequence: number; number: string }[]>()
  for (const year of new Set(years))
    numbers.set(year, await nextReceiptNumbers(trx, year, years.filter((y) => y === year).length))
  const rows = receipts.map((r, i) => {
    const year = years[i]!
    const { sequence, number } = present(numbers.get(year)?.shift(), 'a number for every receipt of its year')
    return {
      number,
      year,
      sequence,
      donation_id: r.donationId,
      amount: r.amount,
      currency: r.currency,
      donor_name: r.donorName,
      campaign_id: r.campaignId,
      designation: r.designation,
      paid_at: r.paidAt,
      verification_code: newVerificationCode(),
      issued_at: r.issuedAt,
      replaces_receipt_id: r.replaces,
    }
  })
  // Ids are handed out in the order of the rows.
  const ids = (await trx.insertInto('receipts').values(rows).returning('id').execute())
    .map((r) => r.id)
    .sort((a, b) => a - b)
  return rows.map((row, i) => ({ receiptId: present(ids[i], 'one id per receipt row'), number: row.number }))
}

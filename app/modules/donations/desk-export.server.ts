import type { DB } from '~/utils/db.server'
import { csvCell } from '~/utils/csv'
import { chinaDateTime, translator, type Locale } from '~/utils/i18n'
import { toDecimalString } from '~/utils/money'
import { purposeTitle } from '../receipts/queries.server'
import { eachDeskDonation, providerRefs, type DeskFilters, type DeskRow } from './desk.server'

// The accountant's export: the desk's filtered list as CSV, streamed page by page.
// UTF-8 with a BOM (Chinese Excel reads BOM-less files as GBK), yuan with two decimals,
// China time, every cell through csvCell (formula cells neutralised).

const BOM = '\uFEFF'

const HEADER_KEYS = [
  'desk.col.receipt',
  'desk.col.paidAt',
  'desk.col.donor',
  'desk.col.email',
  'desk.col.amount',
  'desk.col.fee',
  'desk.col.net',
  'desk.col.currency',
  'desk.col.method',
  'desk.col.purpose',
  'desk.col.status',
  'desk.col.refunded',
  'desk.col.refs',
] as const

/** One donation as the export's cells (also what the tests compare with the list). */
export function exportCells(r: DeskRow, locale: Locale): string[] {
  const t = translator(locale)
  const fee = r.fee_amount ?? 0
  return [
    r.receipt_number ?? '',
    r.paid_at ? chinaDateTime(r.paid_at) : '',
    r.donor_name,
    r.donor_email,
    toDecimalString(r.amount, r.currency),
    toDecimalString(fee, r.currency),
    toDecimalString(r.amount - fee, r.currency),
    r.currency,
    t(`desk.method.${r.provider}`),
    purposeTitle(r, locale),
    t(`desk.status.${r.status}`),
    toDecimalString(r.refunded_amount, r.currency),
    providerRefs(r).join(' '),
  ]
}

/** One CSV line (CRLF, every cell through csvCell). */
export const csvLine = (cells: string[]) => cells.map(csvCell).join(',') + '\r\n'
const line = csvLine

/** The BOM and the header line: what every desk export starts with. */
export const csvHead = (locale: Locale) => BOM + line(HEADER_KEYS.map((k) => translator(locale)(k)))

/** The CSV as a stream of UTF-8 bytes; reads the database in pages as the client takes them. */
export function deskCsvStream(db: DB, filters: DeskFilters, locale: Locale): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  const rows = eachDeskDonation(db, filters)
  let started = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true
        controller.enqueue(encoder.encode(csvHead(locale)))
        return
      }
      let chunk = ''
      for (let i = 0; i < 200; i++) {
        const next = await rows.next()
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk))
          controller.close()
          return
        }
        chunk += line(exportCells(next.value, locale))
      }
      controller.enqueue(encoder.encode(chunk))
    },
    async cancel() {
      await rows.return(undefined)
    },
  })
}

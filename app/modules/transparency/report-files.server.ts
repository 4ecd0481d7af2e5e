// A published disclosure report as CSV and as PDF (pdfkit, the same embedded CJK
// font as the receipts: WenQuanYi Micro Hei from fonts-wqy-microhei).
import fs from 'node:fs'
import { csvCell } from '../../utils/csv'
import { translator, type Locale, type MessageKey, formatDate } from '../../utils/i18n'
import { formatMoney, toDecimalString } from '../../utils/money'
import { CJK_FONT_PATH } from '../receipts/pdf.server'
import type { PublishedReport, ReportFigures } from './reports.server'

// The sections the 2026 rules (MCA Order 81) name for a disclosure: what was raised, how the
// money was used, and what is left (on the final report, the campaign's leftover funds).
export const REPORT_SECTIONS = [
  { key: 'raising', figures: ['opening', 'income', 'donations', 'fees', 'refunds'] },
  { key: 'use', figures: ['awards', 'payouts', 'transfersIn', 'transfersOut'] },
  { key: 'leftover', figures: ['closing'] },
] as const satisfies readonly { key: string; figures: readonly (keyof ReportFigures)[] }[]

export type ReportSection = (typeof REPORT_SECTIONS)[number]['key']
export const FIGURE_KEYS = REPORT_SECTIONS.flatMap((s) => s.figures)

export const sectionTitle = (k: ReportSection): MessageKey => `tp.report.section.${k}`
/** The one-line explanation under a section; the leftover section reads differently on a final report. */
export const sectionNote = (k: ReportSection, final: boolean): MessageKey =>
  k === 'leftover' && final ? 'tp.report.sectionNote.leftoverFinal' : `tp.report.sectionNote.${k}`

export const figureLabel = (k: (typeof FIGURE_KEYS)[number]): MessageKey => `tp.report.${k}`

const REPORT_COLUMNS = [
  'tp.reportCsv.campaign',
  'tp.reportCsv.report',
  'tp.reportCsv.final',
  'tp.reportCsv.periodStart',
  'tp.reportCsv.periodEnd',
  'tp.reportCsv.fromSequence',
  'tp.reportCsv.toSequence',
  'tp.reportCsv.headHash',
  'tp.reportCsv.currency',
  'tp.reportCsv.figure',
  'tp.reportCsv.amount',
] as const satisfies readonly MessageKey[]

/**
 * A report as people open it in a spreadsheet: UTF-8 with a BOM (Chinese Excel reads a file
 * without one as GBK), headers and figure names in the reader's language, amounts in yuan
 * with two decimals, CRLF lines, every cell through csvCell (formula cells neutralised).
 * The machine-readable figures stay in the open data (integer minor units, no BOM).
 */
export function reportCsv(r: PublishedReport, locale: Locale): string {
  const t = translator(locale)
  const lines = [REPORT_COLUMNS.map((k) => csvCell(t(k))).join(',')]
  const title = (locale === 'en' && r.campaign.titleEn) || r.campaign.title
  for (const f of r.figures) {
    for (const k of FIGURE_KEYS) {
      lines.push(
        [
          title,
          r.number,
          t(r.final ? 'common.yes' : 'common.no'),
          r.periodStart,
          r.periodEnd,
          r.fromSequence,
          r.toSequence,
          r.headHash,
          f.currency,
          t(figureLabel(k)),
          toDecimalString(f[k], f.currency),
        ]
          .map(csvCell)
          .join(','),
      )
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`
}

export async function reportPdf(r: PublishedReport, locale: Locale): Promise<Buffer> {
  const t = translator(locale)
  const title = `${locale === 'en' ? r.campaign.titleEn : r.campaign.title} · ${t(r.final ? 'tp.report.finalTitle' : 'tp.report.periodicTitle', { number: r.number })}`
  const { default: PDFDocument } = await import('pdfkit') // loaded with the first report PDF
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: title, Author: 'Hope Ledger', CreationDate: new Date(r.publishedAt) },
  })
  if (fs.existsSync(CJK_FONT_PATH)) {
    doc.registerFont('cjk', CJK_FONT_PATH, 'WenQuanYiMicroHei')
    doc.font('cjk')
  }
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.fontSize(18).text(title)
  doc
    .moveDown(0.5)
    .fontSize(10)
    .text(t('tp.report.period', { start: formatDate(r.periodStart, locale), end: formatDate(r.periodEnd, locale) }))
  doc.text(t('tp.report.periodRule'))
  doc.text(t('tp.report.sequences', { from: r.fromSequence + 1, to: r.toSequence }))
  doc.text(`${t('tp.head.hash')}: ${r.headHash}`)
  doc.text(`${t('tp.report.publishedAt')}: ${formatDate(r.publishedAt, locale)}`)
  doc.moveDown()
  for (const section of REPORT_SECTIONS) {
    doc.fontSize(13).text(t(sectionTitle(section.key)), 56)
    doc.fontSize(9).text(t(sectionNote(section.key, r.final)), 56)
    doc.moveDown(0.3)
    for (const f of r.figures) {
      if (r.figures.length > 1) doc.fontSize(11).text(f.currency, 56)
      doc.fontSize(10)
      for (const k of section.figures) {
        const value = k === 'donations' ? String(f[k]) : formatMoney(f[k], f.currency, locale)
        const y = doc.y
        doc.text(t(figureLabel(k)), 56, y, { width: 300 })
        doc.text(value, 356, y, { width: 180, align: 'right' })
      }
    }
    doc.moveDown()
  }
  if (r.note) doc.moveDown().text(r.note)
  doc.moveDown().fontSize(9).text(t('tp.report.verifyNote'))
  doc.end()
  return done
}

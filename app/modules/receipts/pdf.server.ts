import fs from 'node:fs'
import QRCode from 'qrcode'
import { formatMoney } from '~/utils/money'
import { toChineseCapitals } from '~/utils/money-capitals'
import { formatDate, type Locale } from '~/utils/i18n'
import { organisationName, type Organisation } from '../organisation/schema'
import { displayCode } from './code.server'

// PDF receipts and annual statements (pdfkit), with a Chinese font embedded as a
// subset: WenQuanYi Micro Hei from the Debian package fonts-wqy-microhei
// (licence note in public/licenses/wqy-microhei.txt). One font for every glyph, so
// the document needs nothing from the reader's system.

export const CJK_FONT_PATH = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'
const CJK_FONT_NAME = 'WenQuanYiMicroHei' // PostScript name of the first face in the collection

export class PdfFontMissingError extends Error {}

let fontCache: { path: string; data: Buffer } | undefined
function loadFont(path = CJK_FONT_PATH): Buffer {
  if (fontCache?.path === path) return fontCache.data
  if (!fs.existsSync(path)) {
    throw new PdfFontMissingError(
      `Chinese font for PDF receipts not found at ${path}: install the Debian package fonts-wqy-microhei (apt-get install fonts-wqy-microhei)`,
    )
  }
  fontCache = { path, data: fs.readFileSync(path) }
  return fontCache.data
}

export type ReceiptPdfData = {
  number: string
  verificationCode: string
  donorName: string
  amount: number
  currency: string
  purpose: string
  /** A sponsor's match of the gift, worded; printed beside the amount, not part of it. */
  matchNote?: string | null
  paidAt: string
  issuedAt: string
  voidedAt: string | null
  replacedBy: string | null
  official: { code: string; number: string } | null
  verifyUrl: string
  /** Who issues it: the organisation settings (absent: a neutral wording). */
  issuer?: Organisation | null
}

export type StatementPdfData = {
  donorName: string
  year: number
  gifts: Array<{ number: string; paidAt: string; purpose: string; amount: number; currency: string }>
  totals: Array<{ amount: number; currency: string }>
  generatedAt: string
  issuer?: Organisation | null
}

const copy = {
  'zh-CN': {
    receipt: '捐赠收据',
    other: 'Donation receipt',
    number: '收据编号',
    code: '验证码',
    donor: '捐赠人',
    amount: '金额',
    capitals: '人民币（大写）',
    purpose: '捐赠用途',
    paid: '捐赠日期',
    issued: '开具日期',
    own: (org: string) => `本收据由${org}出具，确认已收到上述捐赠。`,
    someone: '本机构',
    credit: '统一社会信用代码',
    certificate: '公开募捐资格证书',
    official: (c: string, n: string) => `本笔捐赠已开具公益事业捐赠票据：票据代码 ${c}，票据号码 ${n}。`,
    verify: '扫描二维码或访问下面的地址，输入收据编号和验证码即可核验：',
    voided: (d: string, by: string | null) => `本收据已于 ${d} 作废${by ? `，由收据 ${by} 取代` : ''}。`,
    void: '已作废',
    statement: (y: number) => `${y} 年度捐赠汇总`,
    statementOther: (y: number) => `Giving statement ${y}`,
    head: ['日期', '收据编号', '用途', '金额'],
    total: '全年合计',
    statementNote: (org: string) => `本汇总列出${org}出具的捐赠收据，每张收据可凭编号和验证码单独核验。`,
    generated: '生成日期',
  },
  en: {
    receipt: 'Donation receipt',
    other: '捐赠收据',
    number: 'Receipt number',
    code: 'Verification code',
    donor: 'Donor',
    amount: 'Amount',
    capitals: 'In Chinese capitals',
    purpose: 'Given to',
    paid: 'Date of gift',
    issued: 'Issued',
    own: (org: string) => `This receipt, issued by ${org}, confirms that the gift above was received.`,
    someone: 'the organisation',
    credit: 'Unified social credit code',
    certificate: 'Public fundraising certificate',
    official: (c: string, n: string) =>
      `An official charitable donation receipt (公益事业捐赠票据) has been issued: code ${c}, number ${n}.`,
    verify: 'Scan the QR code, or open the address below and enter the receipt number and code, to verify:',
    voided: (d: string, by: string | null) => `This receipt was voided on ${d}${by ? ` and replaced by ${by}` : ''}.`,
    void: 'VOID',
    statement: (y: number) => `Giving statement ${y}`,
    statementOther: (y: number) => `${y} 年度捐赠汇总`,
    head: ['Date', 'Receipt', 'Given to', 'Amount'],
    total: 'Total for the year',
    statementNote: (org: string) =>
      `This statement lists the donation receipts ${org} issued; each can be verified by its number and code.`,
    generated: 'Generated',
  },
} as const

async function newDocument(title: string, createdAt: string, fontPath?: string) {
  const font = loadFont(fontPath)
  // pdfkit loads with the first PDF asked for, not in every process.
  const { default: PDFDocument } = await import('pdfkit')
  // A fixed creation date keeps the same receipt byte-identical every time it is rendered.
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: title, Author: 'Hope Ledger', CreationDate: new Date(createdAt) },
  })
  doc.registerFont('cjk', font, CJK_FONT_NAME)
  doc.font('cjk')
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  return { doc, done }
}

const issuerName = (issuer: Organisation | null | undefined, locale: Locale) =>
  (issuer && organisationName(issuer, locale)) || copy[locale].someone

function header(
  doc: PDFKit.PDFDocument,
  title: string,
  subtitle: string,
  issuer: Organisation | null | undefined,
  locale: Locale,
) {
  const t = copy[locale]
  const name = issuer ? organisationName(issuer, locale) : ''
  doc
    .fillColor('#b4232a')
    .fontSize(11)
    .text(name || '希望账本 Hope Ledger')
  const registration = [
    issuer?.creditCode && `${t.credit} ${issuer.creditCode}`,
    issuer?.fundraisingCertificate && `${t.certificate} ${issuer.fundraisingCertificate}`,
  ].filter(Boolean)
  if (registration.length) doc.fillColor('#6b6b6b').fontSize(9).text(registration.join(' · '))
  doc.moveDown(0.6).fillColor('#1d1d1f').fontSize(22).text(title)
  doc.fillColor('#6b6b6b').fontSize(11).text(subtitle)
  doc.moveDown(1)
}

function fact(doc: PDFKit.PDFDocument, label: string, value: string) {
  const y = doc.y
  doc.fillColor('#6b6b6b').fontSize(10).text(label, 56, y, { width: 130 })
  doc.fillColor('#1d1d1f').fontSize(12).text(value, 190, y, { width: 350 })
  doc.moveDown(0.5)
}

/** The organisation's own receipt wording when it set one; ours, naming it, otherwise. */
function receiptWording(issuer: Organisation | null | undefined, locale: Locale): string {
  const own = locale === 'en' ? issuer?.receiptWordingEn || issuer?.receiptWording : issuer?.receiptWording
  return own || copy[locale].own(issuerName(issuer, locale))
}

export async function renderReceiptPdf(
  r: ReceiptPdfData,
  locale: Locale,
  options: { fontPath?: string } = {},
): Promise<Buffer> {
  const t = copy[locale]
  const { doc, done } = await newDocument(`${t.receipt} ${r.number}`, r.issuedAt, options.fontPath)
  header(doc, t.receipt, t.other, r.issuer, locale)
  fact(doc, t.number, r.number)
  fact(doc, t.code, displayCode(r.verificationCode))
  fact(doc, t.donor, r.donorName)
  fact(doc, t.amount, formatMoney(r.amount, r.currency, locale))
  if (r.currency === 'CNY') fact(doc, t.capitals, toChineseCapitals(r.amount))
  if (r.matchNote) doc.fillColor('#333333').fontSize(10).text(r.matchNote, 190, doc.y, { width: 350 }).moveDown(0.5)
  fact(doc, t.purpose, r.purpose)
  fact(doc, t.paid, formatDate(r.paidAt, locale))
  fact(doc, t.issued, formatDate(r.issuedAt, locale))
  doc.moveDown(1)
  doc
    .fillColor('#333333')
    .fontSize(10)
    .text(r.official ? t.official(r.official.code, r.official.number) : receiptWording(r.issuer, locale), 56, doc.y, {
      width: 480,
    })
  if (r.issuer?.receiptSignature) doc.moveDown(0.5).fontSize(11).text(r.issuer.receiptSignature, { width: 480 })
  if (r.voidedAt) {
    doc
      .moveDown(0.5)
      .fillColor('#b4232a')
      .fontSize(12)
      .text(t.voided(formatDate(r.voidedAt, locale), r.replacedBy), { width: 480 })
    // A large diagonal mark so a printed void receipt cannot pass for a valid one.
    const y = doc.y
    doc
      .save()
      .rotate(-30, { origin: [300, 420] })
      .fillColor('#b4232a')
      .opacity(0.25)
      .fontSize(96)
      .text(t.void, 120, 360, { lineBreak: false })
      .restore()
    doc.opacity(1)
    doc.x = 56
    doc.y = y // the mark floats over the page; the flow continues where it was
  }
  doc.fontSize(10).moveDown(1.5)
  const qrTop = doc.y
  const qr = await QRCode.toBuffer(r.verifyUrl, { errorCorrectionLevel: 'M', margin: 1, width: 300 })
  doc.image(qr, 56, qrTop, { width: 110 })
  doc
    .fillColor('#333333')
    .fontSize(10)
    .text(t.verify, 180, qrTop + 10, { width: 360 })
  doc.moveDown(0.4).fillColor('#b4232a').fontSize(9).text(r.verifyUrl, 180, doc.y, { width: 360, link: r.verifyUrl })
  doc.end()
  return done
}

export async function renderStatementPdf(
  s: StatementPdfData,
  locale: Locale,
  options: { fontPath?: string } = {},
): Promise<Buffer> {
  const t = copy[locale]
  const { doc, done } = await newDocument(t.statement(s.year), s.generatedAt, options.fontPath)
  header(doc, t.statement(s.year), t.statementOther(s.year), s.issuer, locale)
  fact(doc, t.donor, s.donorName)
  fact(doc, t.generated, formatDate(s.generatedAt, locale))
  doc.moveDown(0.5)
  const cols = [56, 150, 260, 440]
  const widths = [90, 105, 175, 100]
  const row = (cells: string[], color: string) => {
    const y = doc.y
    if (y > 760) doc.addPage()
    const top = doc.y
    cells.forEach((c, i) =>
      doc
        .fillColor(color)
        .fontSize(10)
        .text(c, cols[i]!, top, { width: widths[i]!, align: i === 3 ? 'right' : 'left' }),
    )
    doc.moveDown(0.4)
    doc.moveTo(56, doc.y).lineTo(540, doc.y).strokeColor('#e6e3dc').stroke()
    doc.moveDown(0.3)
  }
  row([...t.head], '#6b6b6b')
  for (const g of s.gifts)
    row([formatDate(g.paidAt, locale), g.number, g.purpose, formatMoney(g.amount, g.currency, locale)], '#1d1d1f')
  doc.moveDown(0.8)
  for (const total of s.totals) {
    fact(doc, t.total, formatMoney(total.amount, total.currency, locale))
    if (total.currency === 'CNY') fact(doc, t.capitals, toChineseCapitals(total.amount))
  }
  doc
    .moveDown(1)
    .fillColor('#333333')
    .fontSize(10)
    .text(t.statementNote(issuerName(s.issuer, locale)), 56, doc.y, { width: 480 })
  doc.end()
  return done
}

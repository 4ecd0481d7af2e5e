// npm run emails:preview — every template in both locales, with its preview props,
// written to test-results/emails/<template>.<locale>.html and .txt for a look, and
// sample PDFs (receipt, voided receipt, annual statement) beside them.
import fs from 'node:fs'
import path from 'node:path'
import { previewProps, renderEmail, templateNames, type EmailLocale } from '../../emails'
import { DEMO_ORGANISATION } from '../../db/seed/organisation'
import { renderReceiptPdf, renderStatementPdf } from '../modules/receipts/pdf.server'

const outDir = path.resolve(process.argv[2] ?? 'test-results/emails')
fs.mkdirSync(outDir, { recursive: true })
const locales: EmailLocale[] = ['zh-CN', 'en']
for (const template of templateNames) {
  for (const locale of locales) {
    const mail = await renderEmail(template, locale, { ...previewProps(template), org: DEMO_ORGANISATION })
    const base = path.join(outDir, `${template}.${locale}`)
    fs.writeFileSync(`${base}.html`, mail.html)
    fs.writeFileSync(`${base}.txt`, `Subject: ${mail.subject}\n\n${mail.text}\n`)
    console.log(`${path.relative(process.cwd(), base)}.{html,txt}  ${mail.subject}`)
  }
}

const receipt = previewProps('donation-receipt')
const statement = previewProps('annual-statement')
for (const locale of locales) {
  const base = {
    number: receipt.receiptNumber,
    verificationCode: receipt.verificationCode.replace(/-/g, ''),
    donorName: receipt.donorName,
    amount: receipt.amount,
    currency: receipt.currency,
    purpose: receipt.campaignTitle,
    paidAt: receipt.paidAt,
    issuedAt: receipt.issuedAt,
    voidedAt: null,
    replacedBy: null,
    official: null,
    verifyUrl: receipt.verifyUrl,
    issuer: DEMO_ORGANISATION,
  }
  const files: Array<[string, Promise<Buffer>]> = [
    [`receipt.${locale}.pdf`, renderReceiptPdf(base, locale)],
    [
      `receipt-voided.${locale}.pdf`,
      renderReceiptPdf({ ...base, voidedAt: '2026-11-24T02:00:00.000Z', replacedBy: 'HL-2026-000130' }, locale),
    ],
    [
      `annual-statement.${locale}.pdf`,
      renderStatementPdf(
        {
          donorName: statement.donorName,
          year: statement.year,
          totals: statement.totals,
          generatedAt: '2027-01-05T02:00:00.000Z',
          issuer: DEMO_ORGANISATION,
          gifts: statement.gifts.map((g) => ({
            number: g.receiptNumber,
            paidAt: g.paidAt,
            purpose: g.campaignTitle,
            amount: g.amount,
            currency: g.currency,
          })),
        },
        locale,
      ),
    ],
  ]
  for (const [name, pdf] of files) {
    fs.writeFileSync(path.join(outDir, name), await pdf)
    console.log(path.relative(process.cwd(), path.join(outDir, name)))
  }
}

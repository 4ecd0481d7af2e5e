import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { annualStatementPdf, receiptPdfForDownload } from '~/modules/receipts/documents.server'
import { issueReceiptForDonation } from '~/modules/receipts/issue.server'
import { attachOfficialReceipt, reissueReceipt } from '~/modules/receipts/correct.server'
import { CJK_FONT_PATH, PdfFontMissingError, renderReceiptPdf } from '~/modules/receipts/pdf.server'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { pdfText } from '../support/pdf-text'
import { unavailable } from '../support/requirements'
import { insertCampaign, insertDonation } from './receipts.fixtures'

const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined
// Like PostgreSQL and Chromium: skipped with a hint on a machine without the font, required under CI.
const fontSkip = fs.existsSync(CJK_FONT_PATH)
  ? ''
  : unavailable(
      'receipt PDFs',
      `no Chinese font at ${CJK_FONT_PATH}`,
      'Install it with apt-get install fonts-wqy-microhei',
    )

describe.skipIf(skipReason || fontSkip)(`receipt PDFs on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
  })
  afterAll(async () => t?.destroy())

  const issue = (donationId: number) =>
    t.db
      .transaction()
      .execute((trx) => issueReceiptForDonation(trx, { donationId, issuedAt: '2026-11-23T03:15:00.000Z' }))
  const codeOf = async (id: number) =>
    (await t.db.selectFrom('receipts').select('verification_code').where('id', '=', id).executeTakeFirstOrThrow())
      .verification_code

  it('renders a receipt PDF with the number, amount in capitals, embedded font and QR code; only with the right code', async () => {
    const campaignId = await insertCampaign(t.db)
    const d = await insertDonation(t.db, { campaignId, amount: 123450 })
    const r = await issue(d.id)
    const code = await codeOf(r.receiptId)
    const out = await receiptPdfForDownload(t.db, { number: r.number, code, locale: 'zh-CN' })
    expect(out).toBeDefined()
    const pdf = out!.pdf
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    const source = pdf.toString('latin1')
    expect(source).toMatch(/\/FontFile2/) // the TrueType font is embedded
    expect(source).toMatch(/WenQuanYiMicroHei/)
    expect(source).toMatch(/\/Subtype \/Image/) // the QR code
    const text = pdfText(pdf)
    expect(text).toContain(r.number)
    expect(text).toContain('捐赠收据')
    expect(text).toContain('壹仟贰佰叁拾肆元伍角整')
    expect(text).toContain('希望之星 1+1 奖学金 2026')
    expect(text).toContain(`/receipts/verify?number=${r.number}&code=${code}`)
    expect(text).not.toContain('公益事业捐赠票据')
    if (hasPdftotext) {
      const file = path.join(os.tmpdir(), `receipt-${process.pid}.pdf`)
      fs.writeFileSync(file, pdf)
      expect(execFileSync('pdftotext', [file, '-']).toString()).toContain(r.number)
    }
    expect(
      await receiptPdfForDownload(t.db, { number: r.number, code: 'WRONGCODE000', locale: 'zh-CN' }),
    ).toBeUndefined()
  })

  it('names the official receipt only once attached, and marks a voided receipt', async () => {
    const d = await insertDonation(t.db, { amount: 5000 })
    const r = await issue(d.id)
    await t.db.transaction().execute((trx) =>
      attachOfficialReceipt(trx, {
        receiptId: r.receiptId,
        code: '53010126',
        number: '00012345',
        attachedAt: '2026-11-24T00:00:00.000Z',
      }),
    )
    const official = await receiptPdfForDownload(t.db, {
      number: r.number,
      code: await codeOf(r.receiptId),
      locale: 'en',
    })
    const text = pdfText(official!.pdf)
    expect(text).toContain('公益事业捐赠票据')
    expect(text).toContain('00012345')
    expect(text).toContain('Donation receipt')

    const next = await t.db
      .transaction()
      .execute((trx) =>
        reissueReceipt(trx, { receiptId: r.receiptId, reason: 'typo', issuedAt: '2026-11-25T00:00:00.000Z' }),
      )
    const voided = await receiptPdfForDownload(t.db, {
      number: r.number,
      code: await codeOf(r.receiptId),
      locale: 'zh-CN',
    })
    const voidText = pdfText(voided!.pdf)
    expect(voidText).toContain('已作废')
    expect(voidText).toContain(next.number)
  })

  it('renders an annual statement with every receipt of the year and the total', async () => {
    const email = 'annual@example.org'
    const numbers: string[] = []
    for (const amount of [10000, 15000, 123450])
      numbers.push((await issue((await insertDonation(t.db, { email, amount })).id)).number)
    const pdf = await annualStatementPdf(t.db, {
      donorEmail: email,
      year: 2026,
      locale: 'zh-CN',
      now: '2027-01-05T00:00:00.000Z',
    })
    const text = pdfText(pdf!)
    for (const n of numbers) expect(text).toContain(n)
    expect(text).toContain('¥1,484.50')
    expect(text).toContain('壹仟肆佰捌拾肆元伍角整')
    expect(
      await annualStatementPdf(t.db, {
        donorEmail: email,
        year: 2025,
        locale: 'zh-CN',
        now: '2027-01-05T00:00:00.000Z',
      }),
    ).toBeUndefined()
  })

  it('fails with a clear error when the Chinese font is missing', async () => {
    const data = {
      number: 'HL-2026-000001',
      verificationCode: 'ABCDABCDABCD',
      donorName: 'x',
      amount: 100,
      currency: 'CNY',
      purpose: 'x',
      paidAt: '2026-01-01T00:00:00.000Z',
      issuedAt: '2026-01-01T00:00:00.000Z',
      voidedAt: null,
      replacedBy: null,
      official: null,
      verifyUrl: 'http://x',
    }
    await expect(renderReceiptPdf(data, 'zh-CN', { fontPath: '/nonexistent/font.ttc' })).rejects.toThrow(
      PdfFontMissingError,
    )
    await expect(renderReceiptPdf(data, 'zh-CN', { fontPath: '/nonexistent/font.ttc' })).rejects.toThrow(
      /fonts-wqy-microhei/,
    )
  })
})

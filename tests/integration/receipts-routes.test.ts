import fs from 'node:fs'
import { VERIFY_GUESS_LIMIT } from '~/modules/receipts/verify.server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CJK_FONT_PATH } from '~/modules/receipts/pdf.server'
import { issueReceiptForDonation } from '~/modules/receipts/issue.server'
import { setDb } from '~/utils/db.server'
import { loader as pdfLoader } from '~/routes/receipts.$number[.]pdf'
import { loader as verifyLoader } from '~/routes/receipts.verify'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { insertCampaign, insertDonation } from './receipts.fixtures'

describe.skipIf(skipReason)(`receipt routes on ${testDialect}`, () => {
  let t: TestDb
  let number = ''
  let code = ''
  beforeAll(async () => {
    t = await createTestDb()
    setDb(t.db)
    const campaignId = await insertCampaign(t.db)
    const d = await insertDonation(t.db, { campaignId, email: 'hidden@example.org', name: '赵隐私' })
    const r = await t.db
      .transaction()
      .execute((trx) => issueReceiptForDonation(trx, { donationId: d.id, issuedAt: '2026-11-23T03:15:00.000Z' }))
    number = r.number
    code = (
      await t.db
        .selectFrom('receipts')
        .select('verification_code')
        .where('id', '=', r.receiptId)
        .executeTakeFirstOrThrow()
    ).verification_code
  })
  afterAll(async () => t?.destroy())

  const args = (url: string, params: Record<string, string> = {}) => ({
    request: new Request(`http://localhost${url}`),
    params,
    context: {},
  })

  it('verification page: the right code shows the receipt, a wrong one does not, and the donor never appears', async () => {
    const ok = await verifyLoader(args(`/receipts/verify?number=${number}&code=${code}&lng=en`))
    expect(ok.result).toMatchObject({
      valid: true,
      voided: false,
      number,
      amount: 123450,
      campaignTitle: 'Hope Star 1+1 Scholarship 2026',
    })
    expect(JSON.stringify(ok)).not.toMatch(/hidden@example|赵隐私/)
    const bad = await verifyLoader(args(`/receipts/verify?number=${number}&code=AAAABBBBCCCC`))
    expect(bad.result).toEqual({ valid: false })
    const empty = await verifyLoader(args('/receipts/verify'))
    expect(empty.result).toBeNull()
  })

  it('verification guesses are limited per client; right answers do not count', async () => {
    const from = (ip: string, c: string) =>
      verifyLoader({ ...args(`/receipts/verify?number=${number}&code=${c}`), context: { clientIp: ip } })
    for (let i = 0; i < 40; i++) expect((await from('198.51.100.1', code)).result).toMatchObject({ valid: true })
    for (let i = 0; i < VERIFY_GUESS_LIMIT.max; i++)
      expect((await from('198.51.100.2', 'AAAABBBBCCCC')).result).toEqual({ valid: false })
    expect((await from('198.51.100.2', 'AAAABBBBCCCC')).result).toEqual({ valid: false, throttled: true })
    expect((await from('198.51.100.2', code)).result).toEqual({ valid: false, throttled: true })
    // Another client is not affected.
    expect((await from('198.51.100.3', code)).result).toMatchObject({ valid: true })
  })

  // Without the font (outside CI) receipts-pdf.test.ts reports the skip; here the download is just not exercised.
  it.skipIf(!fs.existsSync(CJK_FONT_PATH))(
    'PDF download needs the verification code: 404 on a wrong or missing code',
    async () => {
      const res = await pdfLoader(args(`/receipts/${number}.pdf?code=${code}`, { number }))
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toBe('application/pdf')
      expect(res.headers.get('Cache-Control')).toContain('no-store')
      const body = Buffer.from(await res.arrayBuffer())
      expect(body.subarray(0, 5).toString()).toBe('%PDF-')
      for (const url of [`/receipts/${number}.pdf?code=AAAABBBBCCCC`, `/receipts/${number}.pdf`]) {
        const thrown = await pdfLoader(args(url, { number })).catch((e: unknown) => e)
        expect(thrown).toBeInstanceOf(Response)
        expect((thrown as Response).status).toBe(404)
      }
      const unknown = await pdfLoader(
        args(`/receipts/HL-2026-999999.pdf?code=${code}`, { number: 'HL-2026-999999' }),
      ).catch((e: unknown) => e)
      expect((unknown as Response).status).toBe(404)
    },
  )
})

import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkoutCookie } from '~/modules/donations/checkout-cookie.server'
import { receiptPdfForDownload } from '~/modules/receipts/documents.server'
import { CJK_FONT_PATH } from '~/modules/receipts/pdf.server'
import { verifyReceipt } from '~/modules/receipts/verify.server'
import * as campaignPage from '~/routes/campaigns.$slug'
import * as thanks from '~/routes/donate.thanks'
import * as trace from '~/routes/trace.$code'
import { inTransaction, postAward, verifyLedger } from '~/modules/ledger'
import { setDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { call, get } from '../support/auth-fixtures'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { giveAt, newCampaign, newPool, staffUser } from '../support/matching'
import { pdfText } from '../support/pdf-text'

// What a donor sees of a match: the thank-you page, the receipt (the amount stays the
// donor's own; a note names the sponsor's match), the trace, and the campaign page's pool.
// The sponsor's own receipt names the pool, not the general fund.
describe.skipIf(skipReason)(`donors see the match on ${testDialect}`, () => {
  let t: TestDb
  let campaignId: number
  let slug: string
  const SPONSOR = '示例科技有限公司（虚构）'
  beforeAll(async () => {
    t = await createTestDb()
    setDb(t.db)
    const staff = await staffUser(t.db)
    campaignId = await newCampaign(t.db)
    await newPool(t.db, staff, campaignId, { ratioGift: '1', ratioMatch: '1', minGift: '10' }, 1_000_00)
    slug = (await t.db.selectFrom('campaigns').select('slug').where('id', '=', campaignId).executeTakeFirstOrThrow())
      .slug
  })
  afterAll(async () => t?.destroy())

  const receiptOf = async (donationId: number) =>
    t.db
      .selectFrom('receipts')
      .select(['id', 'number', 'verification_code'])
      .where('donation_id', '=', donationId)
      .executeTakeFirstOrThrow()

  it('the thank-you page and the trace say ¥50 from you, ¥50 matched by the sponsor', async () => {
    const gift = await giveAt(t.db, { campaignId, amount: 50_00 })
    const cookie = checkoutCookie(gift.public_id, {
      secret: getEnv().SESSION_SECRET,
      baseUrl: getEnv().BASE_URL,
    }).split(';')[0]!
    const page = await call(thanks.loader, get(`/donate/thanks?donation=${gift.public_id}`, cookie))
    expect(page.body.match).toEqual({ amount: 50_00, currency: 'CNY', sponsor: SPONSOR })
    // Nobody else learns of it from the public id.
    expect((await call(thanks.loader, get(`/donate/thanks?donation=${gift.public_id}`))).body.match).toBeNull()

    const tr = await call(trace.loader, get(`/trace/${gift.tracking_code}`), { code: gift.tracking_code })
    expect(tr.body.match).toMatchObject({ amount: 50_00, sponsor: SPONSOR })
    const tx = await t.db
      .selectFrom('ledger_transactions')
      .select('kind')
      .where('sequence', '=', tr.body.match.sequence)
      .executeTakeFirstOrThrow()
    expect(tx.kind).toBe('match')
  })

  it('a student reached by the gift and its match: the trace shows both parts on one row', async () => {
    // A campaign of its own, so the awards draw only this gift and its match. FIFO goes by the
    // money's origin: the match keeps the sponsor's earlier gift as its origin, so it goes first.
    const own = await newCampaign(t.db)
    await newPool(t.db, await staffUser(t.db), own, { ratioGift: '1', ratioMatch: '1', minGift: '10' }, 200_00)
    const gift = await giveAt(t.db, { campaignId: own, amount: 60_00 })
    const award = (code: string, amount: number) =>
      inTransaction(t.db, (trx) =>
        postAward(trx, {
          idempotencyKey: `trace-split-${code}`,
          fund: gift.fund,
          beneficiaryId: Number(code.slice(-4)),
          beneficiaryCode: code,
          amount,
          currency: 'CNY',
          occurredAt: new Date().toISOString(),
        }),
      )
    // ¥50 of the match to one student; its last ¥10 and the gift's ¥60 to another.
    await award('HP-530627-9001', 50_00)
    await award('HP-530627-9002', 70_00)
    const tr = await call(trace.loader, get(`/trace/${gift.tracking_code}`), { code: gift.tracking_code })
    const rows = (tr.body.rows as Array<{ beneficiaryCode: string; amount: number; matched: number }>).map((r) => ({
      code: r.beneficiaryCode,
      yours: r.amount,
      matched: r.matched,
    }))
    expect(rows).toEqual([
      { code: 'HP-530627-9001', yours: 0, matched: 50_00 },
      { code: 'HP-530627-9002', yours: 60_00, matched: 10_00 },
    ])
    // The donor's own trace (shares) is unchanged: only the gift's own money.
    expect(tr.body.trace.trace.shares.map((s: { amount: number }) => s.amount)).toEqual([60_00])
    expect(await verifyLedger(t.db)).toMatchObject({ ok: true })
  })

  it('a gift below the minimum shows no match anywhere', async () => {
    const gift = await giveAt(t.db, { campaignId, amount: 5_00 })
    const tr = await call(trace.loader, get(`/trace/${gift.tracking_code}`), { code: gift.tracking_code })
    expect(tr.body.match).toBeNull()
    const r = await receiptOf(gift.id)
    const v = await verifyReceipt(t.db, { number: r.number, code: r.verification_code })
    expect(v.valid && v.matchNote).toBeNull()
  })

  it('the receipt keeps the donor’s own amount and notes the sponsor’s match (page, mail, PDF)', async () => {
    const gift = await giveAt(t.db, { campaignId, amount: 80_00 })
    const r = await receiptOf(gift.id)
    const v = await verifyReceipt(t.db, { number: r.number, code: r.verification_code })
    expect(v).toMatchObject({ valid: true, amount: 80_00 })
    expect(v.valid && v.matchNote).toBe(`另：${SPONSOR} 为这笔捐赠配捐 ¥80.00，为配捐方的捐赠，不计入你的捐赠金额。`)
    const en = await verifyReceipt(t.db, { number: r.number, code: r.verification_code, locale: 'en' })
    expect(en.valid && en.matchNote).toMatch(/matched this gift with CN¥80\.00|matched this gift with ¥80\.00/)

    const mail = await t.db
      .selectFrom('mail_outbox')
      .select('props')
      .where('dedupe_key', '=', `receipt:${r.id}`)
      .executeTakeFirstOrThrow()
    const props = JSON.parse(mail.props)
    expect(props.amount).toBe(80_00)
    expect(props.matchNote).toContain(SPONSOR)

    if (fs.existsSync(CJK_FONT_PATH)) {
      const out = await receiptPdfForDownload(t.db, { number: r.number, code: r.verification_code, locale: 'zh-CN' })
      const text = pdfText(out!.pdf)
      expect(text).toContain('捌拾元整')
      expect(text).toContain(`另：${SPONSOR} 为这笔捐赠配捐 ¥80.00`)
    }
  })

  it('the sponsor’s own receipt names the matching pool, not the general fund', async () => {
    const funding = await t.db
      .selectFrom('donations')
      .select('id')
      .where('fund', 'like', 'fund:match:%')
      .executeTakeFirstOrThrow()
    const r = await receiptOf(funding.id)
    const v = await verifyReceipt(t.db, { number: r.number, code: r.verification_code })
    expect(v.valid && v.campaignTitle).toBe('配捐资金池：测试配捐池')
    expect(v.valid && v.matchNote).toBeNull()
  })

  it('the campaign page shows the pool, its sponsor and what is left', async () => {
    const page = await call(campaignPage.loader, get(`/campaigns/${slug}`), { slug })
    const pools = page.body.pools as Array<Record<string, unknown>>
    expect(pools).toHaveLength(1)
    // ¥1,000 funded, ¥50 + ¥80 matched so far.
    expect(pools[0]).toMatchObject({ sponsor: SPONSOR, name: '测试配捐池', left: 870_00, minGift: 10_00, open: true })
  })
})

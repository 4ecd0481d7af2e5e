import { alipayKeys } from '../support/alipay-env'
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { receiveAlipayNotification } from '~/modules/donations/alipay-notify.server'
import { startCheckout } from '~/modules/donations/checkout.server'
import { executeRefund, requestRefund, type RefundOutcome } from '~/modules/donations/refunds.server'
import { reconcileTradeBill } from '~/modules/donations/bill-reconcile.server'
import { getDeskDonation } from '~/modules/donations/desk-detail.server'
import { donationFormSchema } from '~/modules/donations/schema'
import { verifyLedger } from '~/modules/ledger'
import { alipayRefundId, createAlipayProvider } from '~/modules/payments/alipay.server'
import { isRefusal } from '~/utils/refusal'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { FAKE_APP_ID, FAKE_SELLER_ID, FakeAlipay, rsaKeyPair } from '../support/fake-alipay'
import { LIMITS } from '../support/giving'
import { userIdOf } from './scholarship.fixtures'

// Alipay refunds by staff: the real alipay-sdk calls alipay.trade.refund at a local fake
// gateway that checks our RSA2 signature, the trade and the amount, and treats a repeated
// out_request_no (our refund number) as the same refund; the answer is booked once.
describe.skipIf(skipReason)(`Alipay refunds on ${testDialect}`, () => {
  let t: TestDb
  let fake: FakeAlipay
  let provider: ReturnType<typeof createAlipayProvider>
  let finance: { id: number; ip: string }
  beforeAll(async () => {
    t = await createTestDb()
    await seedDemo(t.db)
    fake = await new FakeAlipay(alipayKeys.alipay, alipayKeys.app.publicKey).start()
    provider = createAlipayProvider({
      appId: FAKE_APP_ID,
      privateKey: alipayKeys.app.privateKey,
      alipayPublicKey: alipayKeys.alipay.publicKey,
      sellerId: FAKE_SELLER_ID,
      notifyUrl: 'http://localhost:3000/webhooks/alipay',
      feeRateBps: 60,
      gateway: fake.gateway,
    })
    finance = { id: await userIdOf(t.db, 'finance@hope.demo'), ip: '203.0.113.10' }
  })
  afterAll(async () => {
    await fake?.stop()
    await t?.destroy()
    fs.rmSync(alipayKeys.dir, { recursive: true, force: true })
  })

  const deps = () => ({ providerFor: () => provider, secondApprovalAbove: 100000 })

  async function paidAlipayGift(gmtPayment?: string) {
    const form = donationFormSchema(LIMITS).parse({
      amountChoice: '20000',
      currency: 'CNY',
      frequency: 'once',
      designation: 'general',
      displayMode: 'anonymous',
      email: `alipay-refund${Math.random().toString(36).slice(2, 8)}@example.test`,
      method: 'alipay',
    })
    const { publicId, url } = await startCheckout(t.db, provider, form, {
      locale: 'zh-CN',
      clientIp: '10.2.0.1',
      baseUrl: 'http://localhost:3000',
    })
    expect((await fetch(url)).status).toBe(200)
    const body = fake.notification(publicId, gmtPayment ? { gmt_payment: gmtPayment } : {})
    const receipt = await receiveAlipayNotification(t.db, provider, body)
    expect(receipt).toMatchObject({ kind: 'handled', outcome: 'fulfilled' })
    return t.db.selectFrom('donations').selectAll().where('public_id', '=', publicId).executeTakeFirstOrThrow()
  }
  const reversals = (donationId: number) =>
    t.db.selectFrom('donation_reversals').selectAll().where('donation_id', '=', donationId).execute()

  it('refunds part of an Alipay gift through alipay.trade.refund, booked once under our out_request_no', async () => {
    const d = await paidAlipayGift()
    const outcome = (await requestRefund(
      t.db,
      finance,
      { donationId: d.id, amount: 5050, reason: '捐赠人误操作' },
      deps(),
    )) as RefundOutcome
    expect(outcome.status).toBe('succeeded')
    const request = await t.db
      .selectFrom('refund_requests')
      .selectAll()
      .where('id', '=', outcome.requestId)
      .executeTakeFirstOrThrow()
    expect(fake.refunds.get(request.refund_number)).toMatchObject({
      tradeNo: d.provider_payment_intent_id,
      amountFen: 5050,
    })
    expect(fake.refundCalls.at(-1)).toEqual({ outRequestNo: request.refund_number, refundAmount: '50.50' })
    expect(request.provider_refund_id).toBe(alipayRefundId(d.provider_payment_intent_id!, request.refund_number))

    // The same request asked again (a retry after a lost answer): Alipay answers fund_change N, nothing books twice.
    await t.db.updateTable('refund_requests').set({ status: 'requested' }).where('id', '=', request.id).execute()
    expect((await executeRefund(t.db, finance, request.id, deps())).status).toBe('succeeded')
    expect(fake.refundCalls.filter((c) => c.outRequestNo === request.refund_number)).toHaveLength(2)
    expect(fake.refunds.size).toBe(1)
    const booked = await reversals(d.id)
    expect(booked.map((r) => r.amount)).toEqual([5050])
    const after = await t.db.selectFrom('donations').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow()
    expect(after.status).toBe('partially_refunded')
    expect(after.refunded_amount).toBe(5050)
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('books nothing when the gateway refuses: a bad signature or more than the trade', async () => {
    const d = await paidAlipayGift()
    const impostor = createAlipayProvider({
      appId: FAKE_APP_ID,
      privateKey: rsaKeyPair().privateKey,
      alipayPublicKey: alipayKeys.alipay.publicKey,
      sellerId: FAKE_SELLER_ID,
      notifyUrl: 'http://localhost:3000/webhooks/alipay',
      feeRateBps: 60,
      gateway: fake.gateway,
    })
    const refused = (await requestRefund(
      t.db,
      finance,
      { donationId: d.id, amount: 1000, reason: '测试' },
      { providerFor: () => impostor },
    )) as RefundOutcome
    expect(refused.status).toBe('failed')
    expect(fake.refusals.at(-1)).toBe('INVALID_SIGNATURE')
    expect(await reversals(d.id)).toEqual([])
    // Our own check stops more than the gift before Alipay is asked.
    const calls = fake.refundCalls.length
    await expect(
      requestRefund(t.db, finance, { donationId: d.id, amount: 20001, reason: '测试' }, deps()),
    ).rejects.toSatisfy((e: unknown) => isRefusal(e) && e.messageKey === 'refund.error.exceeds')
    expect(fake.refundCalls.length).toBe(calls)
    // The failed request freed its amount: the whole gift can still be refunded.
    expect(
      await requestRefund(t.db, finance, { donationId: d.id, amount: 20000, reason: '全额' }, deps()),
    ).toMatchObject({
      status: 'succeeded',
    })
    expect((await reversals(d.id)).map((r) => r.amount)).toEqual([20000])
  })

  const notify = (body: string) => receiveAlipayNotification(t.db, provider, body)
  const request = (id: number) =>
    t.db.selectFrom('refund_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  it('books once when the refund notification arrives before the answer', async () => {
    const d = await paidAlipayGift()
    let early: unknown
    fake.beforeRefundAnswer = async (made) => {
      early = await notify(fake.refundNotification(made.outRequestNo))
    }
    let outcome: RefundOutcome
    try {
      outcome = (await requestRefund(
        t.db,
        finance,
        { donationId: d.id, amount: 3000, reason: '部分退款' },
        deps(),
      )) as RefundOutcome
    } finally {
      fake.beforeRefundAnswer = null
    }
    expect(early).toMatchObject({ kind: 'handled', outcome: 'refunded' })
    expect(outcome.status).toBe('succeeded')
    const r = await request(outcome.requestId)
    expect((await reversals(d.id)).map((v) => [v.provider_ref, v.amount])).toEqual([[r.provider_refund_id, 3000]])
    expect(r.status).toBe('succeeded')
  })

  it('books once when the answer arrives before the notification, and partial refunds add up', async () => {
    const d = await paidAlipayGift()
    const first = (await requestRefund(
      t.db,
      finance,
      { donationId: d.id, amount: 4000, reason: '一' },
      deps(),
    )) as RefundOutcome
    const second = (await requestRefund(
      t.db,
      finance,
      { donationId: d.id, amount: 6000, reason: '二' },
      deps(),
    )) as RefundOutcome
    for (const o of [first, second]) {
      const body = fake.refundNotification((await request(o.requestId)).refund_number)
      expect(await notify(body)).toMatchObject({ kind: 'handled', outcome: 'already' })
      expect(await notify(body)).toMatchObject({ kind: 'handled', outcome: 'duplicate' })
    }
    expect((await reversals(d.id)).map((v) => v.amount)).toEqual([4000, 6000])
    const after = await t.db.selectFrom('donations').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow()
    expect(after.refunded_amount).toBe(10000)
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('a refund made in Alipay’s console books from its notification alone', async () => {
    const d = await paidAlipayGift()
    const made = fake.consoleRefund(d.public_id, 2500)
    expect(await notify(fake.refundNotification(made.outRequestNo))).toMatchObject({
      kind: 'handled',
      outcome: 'refunded',
    })
    expect((await reversals(d.id)).map((v) => v.amount)).toEqual([2500])
    const desk = await getDeskDonation(t.db, d.id)
    expect(desk!.timeline.filter((e) => e.kind.startsWith('refund')).map((e) => e.kind)).toEqual(['refundOutside'])
  })

  it("reconciles a day's bill (GBK CSV in a zip) line by line: flags a bill line with no donation and a donation missing from the bill", async () => {
    const day = '2026-11-29'
    fake.refundTime = '2026-11-29 18:00:00'
    let both: Awaited<ReturnType<typeof paidAlipayGift>>, missing: typeof both
    let refund: RefundOutcome
    try {
      both = await paidAlipayGift('2026-11-29 10:00:00')
      missing = await paidAlipayGift('2026-11-29 23:30:00') // 15:30 UTC: still the 29th in China
      refund = (await requestRefund(
        t.db,
        finance,
        { donationId: both.id, amount: 3000, reason: '部分退款' },
        deps(),
      )) as RefundOutcome
    } finally {
      fake.refundTime = '2026-12-01 21:30:00'
    }
    expect(refund.status).toBe('succeeded')
    fake.omitFromBill.add(missing.public_id) // Alipay's bill does not have it
    fake.extraBillRows.push(
      FakeAlipay.billRow({
        tradeNo: '2026112922001000000000009999',
        outTradeNo: 'D-NOBODY-ALI1',
        type: '交易',
        at: '2026-11-29 12:00:00',
        fen: 5000,
        received: 5000,
      }),
    )
    try {
      const r = await reconcileTradeBill(t.db, provider, day)
      expect(r).toMatchObject({ date: day, billLines: 3, ourLines: 3, matched: 2 })
      expect(r.flags).toEqual([
        {
          issue: 'bill-only',
          kind: 'payment',
          outTradeNo: 'D-NOBODY-ALI1',
          ref: '2026112922001000000000009999',
          billAmount: 5000,
          ourAmount: null,
        },
        {
          issue: 'ours-only',
          kind: 'payment',
          outTradeNo: missing.public_id,
          ref: missing.provider_payment_intent_id,
          billAmount: null,
          ourAmount: 20000,
        },
      ])
    } finally {
      fake.omitFromBill.clear()
      fake.extraBillRows.length = 0
    }
  })
})

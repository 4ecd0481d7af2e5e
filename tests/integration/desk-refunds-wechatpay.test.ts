import { fakeWechatpay as fake, wechatpayKeys } from '../support/wechatpay-env'
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCheckout } from '~/modules/donations/checkout.server'
import { getDeskDonation } from '~/modules/donations/desk-detail.server'
import {
  executeRefund,
  refundableRemainder,
  requestRefund,
  type RefundOutcome,
} from '~/modules/donations/refunds.server'
import { donationFormSchema } from '~/modules/donations/schema'
import { receiveWechatpayNotification } from '~/modules/donations/wechatpay-notify.server'
import { verifyLedger } from '~/modules/ledger'
import { refundProviderFor } from '~/modules/payments/index.server'
import { getWechatpayProvider } from '~/modules/payments/wechatpay-config.server'
import { wechatpayRefundId } from '~/modules/payments/wechatpay-refund'
import { createWechatpayProvider } from '~/modules/payments/wechatpay.server'
import { isRefusal } from '~/utils/refusal'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { FAKE_WX, rsaKeyPair } from '../support/fake-wechatpay'
import { LIMITS } from '../support/giving'
import { userIdOf } from './scholarship.fixtures'

// WeChat Pay refunds by staff: the real wechatpay-axios-plugin signs POST
// /v3/refund/domestic/refunds to a local fake that checks our signature, the order's total
// and the refund in fen, what is left to refund, and treats a repeated out_refund_no (our
// refund number) as the same refund. The refund books once whether the answer or the
// encrypted REFUND.SUCCESS notification arrives first.
describe.skipIf(skipReason)(`WeChat Pay refunds on ${testDialect}`, () => {
  let t: TestDb
  let finance: { id: number; ip: string }
  const provider = () => getWechatpayProvider()
  beforeAll(async () => {
    t = await createTestDb()
    await seedDemo(t.db)
    finance = { id: await userIdOf(t.db, 'finance@hope.demo'), ip: '203.0.113.11' }
  })
  afterAll(async () => {
    await fake.stop()
    await t?.destroy()
    fs.rmSync(wechatpayKeys.dir, { recursive: true, force: true })
  })

  // The desk's own wiring: a WeChat Pay gift is refunded by the configured WeChat Pay.
  const deps = () => ({ providerFor: () => refundProviderFor(t.db, 'wechatpay'), secondApprovalAbove: 100000 })

  async function paidGift(yuan = '200') {
    const form = donationFormSchema(LIMITS).parse({
      amountChoice: 'custom',
      customAmount: yuan,
      currency: 'CNY',
      frequency: 'once',
      designation: 'general',
      displayMode: 'anonymous',
      email: `wx-refund${Math.random().toString(36).slice(2, 8)}@example.test`,
      method: 'wechatpay',
    })
    const { publicId } = await startCheckout(t.db, provider(), form, {
      locale: 'zh-CN',
      clientIp: '10.3.0.1',
      baseUrl: 'http://localhost:3000',
    })
    fake.pay(publicId)
    const n = fake.notification(publicId)
    expect(await notify(n)).toMatchObject({ kind: 'handled', outcome: 'fulfilled' })
    return t.db.selectFrom('donations').selectAll().where('public_id', '=', publicId).executeTakeFirstOrThrow()
  }
  const notify = (n: { headers: Record<string, string>; body: string }) =>
    receiveWechatpayNotification(
      t.db,
      provider(),
      {
        signature: n.headers['Wechatpay-Signature'] ?? null,
        serial: n.headers['Wechatpay-Serial'] ?? null,
        timestamp: n.headers['Wechatpay-Timestamp'] ?? null,
        nonce: n.headers['Wechatpay-Nonce'] ?? null,
      },
      n.body,
    )
  const reversals = (donationId: number) =>
    t.db.selectFrom('donation_reversals').selectAll().where('donation_id', '=', donationId).orderBy('id').execute()
  const request = (id: number) =>
    t.db.selectFrom('refund_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const refund = async (donationId: number, amount: number, reason = '捐赠人申请') =>
    (await requestRefund(t.db, finance, { donationId, amount, reason }, deps())) as RefundOutcome
  const gift = (id: number) => t.db.selectFrom('donations').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  it('asks for a refund in fen under our out_refund_no; the notification books it once', async () => {
    const d = await paidGift()
    const outcome = await refund(d.id, 5050)
    expect(outcome.status).toBe('pending') // WeChat Pay answered PROCESSING
    const r = await request(outcome.requestId)
    expect(fake.refunds.get(r.refund_number)).toMatchObject({
      transaction_id: d.provider_payment_intent_id,
      amount: { refund: 5050, total: 20000 },
    })
    expect(r.provider_refund_id).toBe(wechatpayRefundId(r.refund_number))
    expect(await reversals(d.id)).toEqual([])
    const n = fake.refundNotification(r.refund_number)
    expect(await notify(n)).toMatchObject({ kind: 'handled', outcome: 'refunded' })
    expect(await notify(n)).toMatchObject({ kind: 'handled', outcome: 'duplicate' })
    expect((await reversals(d.id)).map((v) => [v.provider_ref, v.amount])).toEqual([[r.provider_refund_id, 5050]])
    expect((await request(r.id)).status).toBe('succeeded')
    expect(await gift(d.id)).toMatchObject({ status: 'partially_refunded', refunded_amount: 5050 })

    // Asked again under the same number (a retry after a lost answer): the same refund, nothing twice.
    await t.db.updateTable('refund_requests').set({ status: 'requested' }).where('id', '=', r.id).execute()
    expect((await executeRefund(t.db, finance, r.id, deps())).status).toBe('succeeded')
    expect(fake.refundCalls.filter((c) => c.outRefundNo === r.refund_number)).toHaveLength(2)
    expect((await reversals(d.id)).map((v) => v.amount)).toEqual([5050])
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('a refund WeChat Pay later reports abnormal or closed books nothing and fails its request, once', async () => {
    const audits = (donationId: number) =>
      t.db
        .selectFrom('audit_log')
        .select('id')
        .where('action', '=', 'refund.failed')
        .where('entity_id', '=', String(donationId))
        .execute()
    for (const status of ['ABNORMAL', 'CLOSED'] as const) {
      const d = await paidGift()
      const outcome = await refund(d.id, 3000)
      expect(outcome.status).toBe('pending')
      const r = await request(outcome.requestId)
      const n = fake.refundNotification(r.refund_number, { status })
      expect(await notify(n)).toMatchObject({ kind: 'handled', outcome: 'ignored' })
      expect(await notify(n)).toMatchObject({ kind: 'handled', outcome: 'duplicate' })
      expect(await request(r.id)).toMatchObject({ status: 'failed', failure: `refund ${status}` })
      expect(await audits(d.id)).toHaveLength(1)
      expect(await reversals(d.id)).toEqual([])
      expect(await gift(d.id)).toMatchObject({ status: 'paid', refunded_amount: 0 })
      // Nothing went back, so the whole gift may still be refunded (here offline, by bank transfer).
      expect(await refundableRemainder(t.db, d)).toBe(d.amount)
    }
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('books once when the refund notification arrives before the answer', async () => {
    const d = await paidGift()
    let early: unknown
    fake.beforeRefundAnswer = async (made) => {
      early = await notify(fake.refundNotification(made.out_refund_no))
    }
    let outcome: RefundOutcome
    try {
      outcome = await refund(d.id, 3000)
    } finally {
      fake.beforeRefundAnswer = null
    }
    expect(early).toMatchObject({ kind: 'handled', outcome: 'refunded' })
    // The answer still says PROCESSING; the request is settled by the booking already made.
    expect(outcome.status).toBe('succeeded')
    const r = await request(outcome.requestId)
    expect(r.status).toBe('succeeded')
    expect((await reversals(d.id)).map((v) => [v.provider_ref, v.amount])).toEqual([[r.provider_refund_id, 3000]])
  })

  it('books once when a SUCCESS answer arrives before the notification, and partial refunds add up', async () => {
    const d = await paidGift()
    fake.refundAnswer = 'SUCCESS'
    let first: RefundOutcome, second: RefundOutcome
    try {
      first = await refund(d.id, 4000, '一')
      second = await refund(d.id, 16000, '二')
    } finally {
      fake.refundAnswer = 'PROCESSING'
    }
    expect([first.status, second.status]).toEqual(['succeeded', 'succeeded'])
    for (const o of [first, second]) {
      const n = fake.refundNotification((await request(o.requestId)).refund_number)
      expect(await notify(n)).toMatchObject({ kind: 'handled', outcome: 'already' })
    }
    expect((await reversals(d.id)).map((v) => v.amount)).toEqual([4000, 16000])
    expect(await gift(d.id)).toMatchObject({ status: 'refunded', refunded_amount: 20000 })
    // Nothing is left: we refuse before WeChat Pay is asked.
    const calls = fake.refundCalls.length
    await expect(refund(d.id, 1)).rejects.toSatisfy(
      (e: unknown) => isRefusal(e) && e.messageKey === 'refund.error.exceeds',
    )
    expect(fake.refundCalls.length).toBe(calls)
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('WeChat Pay itself refuses more than is left, another amount under a used number, or another key', async () => {
    const d = await paidGift('100')
    const ask = (refundNumber: string, amount: number, p = provider()) =>
      p.refund!({
        refundNumber,
        donationPublicId: d.public_id,
        paymentRef: d.provider_payment_intent_id!,
        amount,
        paymentAmount: d.amount,
        currency: 'CNY',
        reason: '测试',
      })
    expect(await ask('RF-FAKE-0001', 6000)).toMatchObject({ status: 'pending' })
    expect(await ask('RF-FAKE-0002', 4001)).toMatchObject({
      status: 'failed',
      failure: expect.stringMatching(/^NOT_ENOUGH/),
    })
    expect(await ask('RF-FAKE-0001', 5000)).toMatchObject({
      status: 'failed',
      failure: expect.stringMatching(/^INVALID_REQUEST/),
    })
    const stranger = createWechatpayProvider({
      mchid: FAKE_WX.mchid,
      appid: FAKE_WX.appid,
      apiV3Key: FAKE_WX.apiV3Key,
      merchantSerial: FAKE_WX.merchantSerial,
      merchantPrivateKey: rsaKeyPair().privateKey,
      platformSerial: FAKE_WX.platformSerial,
      platformPublicKey: wechatpayKeys.platform.publicKey,
      notifyUrl: 'http://localhost:3000/webhooks/wechatpay',
      feeRateBps: 60,
      baseURL: fake.baseURL,
      payPageUrl: (no) => `http://localhost:3000/donate/wechatpay/${no}`,
    })
    expect(await ask('RF-FAKE-0003', 100, stranger)).toMatchObject({
      status: 'failed',
      failure: expect.stringMatching(/^SIGN_ERROR/),
    })
    // Through the desk, a refused refund books nothing and frees its amount again.
    const refused = (await requestRefund(
      t.db,
      finance,
      { donationId: d.id, amount: 1000, reason: '测试' },
      { providerFor: () => stranger },
    )) as RefundOutcome
    expect(refused.status).toBe('failed')
    expect(await reversals(d.id)).toEqual([])
  })

  it('a refund made in the merchant platform books from its notification alone; another merchant’s is refused', async () => {
    const d = await paidGift()
    const made = fake.consoleRefund(d.public_id, 2500)
    expect(await notify(fake.refundNotification(made.out_refund_no))).toMatchObject({
      kind: 'handled',
      outcome: 'refunded',
    })
    expect((await reversals(d.id)).map((v) => [v.provider_ref, v.amount])).toEqual([
      [wechatpayRefundId(made.out_refund_no), 2500],
    ])
    const desk = await getDeskDonation(t.db, d.id)
    expect(desk!.timeline.filter((e) => e.kind.startsWith('refund')).map((e) => e.kind)).toEqual(['refundOutside'])
    const other = fake.consoleRefund(d.public_id, 100)
    const theirs = fake.refundNotification(other.out_refund_no, { mchid: '1900099999' })
    expect(await notify(theirs)).toEqual({ kind: 'rejected', reason: 'invalid-signature' })
    expect(await reversals(d.id)).toHaveLength(1)
  })
})

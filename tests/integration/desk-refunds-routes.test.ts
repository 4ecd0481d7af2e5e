import { generateHOTP } from '@oslojs/otp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { confirmEnrolment, decodeSecret, pendingEnrolment, totpStep } from '~/modules/auth/totp.server'
import * as donationRoute from '~/routes/admin.donations.$id'
import { call, cookieFor, get, post, seededDb, userId } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// The refund form on /admin/donations/<id>, through the route: a demo gift refunded in part
// (the demo provider), bad input answered on its field with nothing written, a caseworker
// refused, and above the threshold the preparer's colleague approves only with TOTP.

describe.skipIf(skipReason)(`refund form on ${testDialect}`, () => {
  let t: TestDb
  let finance: string
  let gift: { id: number; amount: number }
  let big: { id: number; amount: number }
  beforeAll(async () => {
    t = await seededDb()
    finance = await cookieFor(t.db, 'finance@hope.demo')
    const paid = await t.db
      .selectFrom('donations')
      .select(['id', 'amount'])
      .where('status', '=', 'paid')
      .where('provider', '=', 'demo')
      .where('frequency', '=', 'once')
      .orderBy('amount', 'desc')
      .execute()
    big = paid[0]!
    gift = paid.find((d) => d.amount <= 100000 && d.amount >= 2000)!
    expect(big.amount).toBeGreaterThan(100000)
  })
  afterAll(async () => t?.destroy())

  const page = (id: number, cookie = finance) =>
    call(donationRoute.loader, get(`/admin/donations/${id}`, cookie), { id: String(id) })
  const send = (id: number, form: Record<string, string>, cookie = finance) =>
    call(donationRoute.action, post(`/admin/donations/${id}`, form, cookie), { id: String(id) })
  const requests = (donationId: number) =>
    t.db.selectFrom('refund_requests').selectAll().where('donation_id', '=', donationId).orderBy('id').execute()

  it('refunds part of a gift; bad input is refused on its field and writes nothing', async () => {
    expect((await page(gift.id)).body.refund.panel).toMatchObject({ remainder: gift.amount, open: true })
    const badAmount = await send(gift.id, { intent: 'refund', amount: '1.234', reason: '测试' })
    expect(badAmount.status).toBe(400)
    expect(badAmount.body.errors).toEqual({ amount: 'refund.error.amount' })
    const noReason = await send(gift.id, { intent: 'refund', amount: '10', reason: '' })
    expect(noReason.body.errors).toEqual({ reason: 'refund.error.reason' })
    const tooMuch = await send(gift.id, { intent: 'refund', amount: '100000', reason: '太多' })
    expect(tooMuch.status).toBe(409)
    expect(tooMuch.body).toMatchObject({ errors: { amount: 'refund.error.exceeds' }, values: { amount: '100000' } })
    expect(await requests(gift.id)).toEqual([])
    const caseworker = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    expect((await send(gift.id, { intent: 'refund', amount: '10', reason: '测试' }, caseworker)).status).toBe(403)

    const done = await send(gift.id, { intent: 'refund', amount: '10', reason: '捐赠人要求' })
    expect(done.status).toBe(302)
    expect(done.location).toBe(`/admin/donations/${gift.id}?refund=succeeded#refunds`)
    const after = await page(gift.id)
    expect(after.body.donation.refunded_amount).toBe(1000)
    expect(after.body.refund.panel.remainder).toBe(gift.amount - 1000)
    expect(after.body.refundRequests).toMatchObject([{ amount: 1000, status: 'succeeded', reason: '捐赠人要求' }])
    expect(after.body.timeline).toContainEqual(expect.objectContaining({ kind: 'refundStaff', amount: 1000 }))
  })

  it('above the threshold: prepared by one, approved by another only with TOTP', async () => {
    const prepared = await send(big.id, { intent: 'refund', amount: (big.amount / 100).toFixed(2), reason: '全额退款' })
    expect(prepared.location).toBe(`/admin/donations/${big.id}?refund=prepared#refunds`)
    const [r] = await requests(big.id)
    expect(r).toMatchObject({ status: 'prepared', amount: big.amount })
    // The preparer cannot approve (the module test pins ownRefund for a preparer with TOTP).
    const own = await send(big.id, { intent: 'refundApprove', requestId: String(r!.id) })
    expect(own.status).toBe(403)
    // A colleague without TOTP is refused; with it enrolled and used, the refund is made.
    const colleague = await cookieFor(t.db, 'finance2@hope.demo')
    const noTotp = await send(big.id, { intent: 'refundApprove', requestId: String(r!.id) }, colleague)
    expect(noTotp.status).toBe(403)
    expect(noTotp.body.error).toBe('refund.error.totp')
    expect((await requests(big.id))[0]!.status).toBe('prepared')
    const uid = await userId(t.db, 'finance2@hope.demo')
    const enrolment = (await pendingEnrolment(t.db, { id: uid, email: 'finance2@hope.demo' }, { create: true }))!
    await confirmEnrolment(t.db, uid, generateHOTP(decodeSecret(enrolment.secret), BigInt(totpStep()), 6))
    const verified = await cookieFor(t.db, 'finance2@hope.demo', { twoFactorVerified: true })
    const ok = await send(big.id, { intent: 'refundApprove', requestId: String(r!.id) }, verified)
    expect(ok.location).toBe(`/admin/donations/${big.id}?refund=succeeded#refunds`)
    const after = await page(big.id)
    expect(after.body.donation.status).toBe('refunded')
    expect(after.body.refundRequests[0]).toMatchObject({ status: 'succeeded', approved_by_name: expect.any(String) })
  })
})

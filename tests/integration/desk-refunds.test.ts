import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getDeskDonation } from '~/modules/donations/desk-detail.server'
import { recordOfflineGift } from '~/modules/donations/offline.server'
import { receiveWebhook, webhookReply } from '~/modules/donations/receive.server'
import {
  approveRefund,
  rejectRefund,
  requestRefund,
  type RefundDeps,
  type RefundOutcome,
} from '~/modules/donations/refunds.server'
import { verifyLedger } from '~/modules/ledger'
import { isRefusal } from '~/utils/refusal'
import { skipReason, testDialect } from '../support/db'
import { givingFixture, WEBHOOK_SECRET } from '../support/giving'
import * as ev from '../support/stripe-events'
import { userIdOf } from './scholarship.fixtures'

// Refunds by staff through the real `stripe` SDK against the local fake Stripe (which checks
// the Idempotency-Key and the amount): full and partial, answer and webhook in either order
// booked once, 20 at once never beyond the gift, maker-checker with TOTP above the threshold,
// an offline refund with its bank reference, and a refund made in Stripe's dashboard.

describe.skipIf(skipReason)(`staff refunds on ${testDialect}`, () => {
  let f: Awaited<ReturnType<typeof givingFixture>>
  let finance: { id: number; ip: string; scope: string[]; totpVerified: boolean }
  let finance2: typeof finance
  let deps: RefundDeps
  beforeAll(async () => {
    f = await givingFixture({ poolSize: 12 })
    deps = { providerFor: () => f.provider, secondApprovalAbove: 100000 }
    finance = { id: await userIdOf(f.db, 'finance@hope.demo'), ip: '203.0.113.10', scope: [], totpVerified: true }
    finance2 = { id: await userIdOf(f.db, 'finance2@hope.demo'), ip: '203.0.113.11', scope: [], totpVerified: true }
  })
  afterAll(async () => f?.destroy())

  const deliver = async (event: object) => {
    const { payload, signature } = ev.sign(event, WEBHOOK_SECRET)
    return webhookReply(await receiveWebhook(f.db, f.provider, payload, signature))
  }
  /** A paid Stripe gift of `yuan`, booked through checkout and its webhook. */
  const paidGift = async (yuan: string, fee = 0) => {
    const g = await f.checkout({ amountChoice: 'custom', customAmount: yuan }, fee)
    await deliver(ev.sessionCompleted({ publicId: g.publicId, intentId: g.intentId, amount: g.donation.amount }))
    return g
  }
  const donation = (publicId: string) =>
    f.db.selectFrom('donations').selectAll().where('public_id', '=', publicId).executeTakeFirstOrThrow()
  const reversals = async (donationId: number) =>
    f.db.selectFrom('donation_reversals').selectAll().where('donation_id', '=', donationId).execute()
  const refundTxs = async (publicId: string) =>
    Number(
      (
        await f.db
          .selectFrom('ledger_transactions')
          .select(sql<number>`count(*)`.as('n'))
          .where('donation_ref', '=', publicId)
          .where('kind', '=', 'refund')
          .executeTakeFirstOrThrow()
      ).n,
    )
  const refundPosts = () => f.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds')
  const refusal = async (p: Promise<unknown>) => {
    try {
      await p
    } catch (e) {
      if (isRefusal(e)) return e
      throw e
    }
    throw new Error('expected a Refusal')
  }
  const refund = (donationId: number, amount: number, actor = finance, reason = '捐赠人要求退款') =>
    requestRefund(f.db, actor, { donationId, amount, reason }, deps) as Promise<RefundOutcome>

  it('refunds part, then the rest, through the Stripe Refunds API with our Idempotency-Key', async () => {
    const g = await paidGift('300')
    const before = refundPosts().length
    expect((await refund(g.donation.id, 10000)).status).toBe('succeeded')
    const partial = await donation(g.publicId)
    expect(partial.status).toBe('partially_refunded')
    expect(partial.refunded_amount).toBe(10000)
    // The rest: a full refund of what remains.
    expect((await refund(g.donation.id, 20000)).status).toBe('succeeded')
    const full = await donation(g.publicId)
    expect(full.status).toBe('refunded')
    expect(full.refunded_amount).toBe(30000)
    const posts = refundPosts().slice(before)
    expect(posts).toHaveLength(2)
    const requests = await f.db
      .selectFrom('refund_requests')
      .selectAll()
      .where('donation_id', '=', g.donation.id)
      .orderBy('id')
      .execute()
    expect(posts.map((p) => p.headers['idempotency-key'])).toEqual(requests.map((r) => r.refund_number))
    expect(posts.map((p) => p.form.amount)).toEqual(['10000', '20000'])
    expect(requests.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
    expect(await refundTxs(g.publicId)).toBe(2)
    // Nothing remains: a third refund is refused on the amount field, and Stripe is not asked.
    const no = await refusal(refund(g.donation.id, 1))
    expect(no.messageKey).toBe('refund.error.exceeds')
    expect(no.params).toEqual({ remainder: 0, currency: 'CNY' })
    expect(refundPosts().length).toBe(before + 2)
    // The donor gets the refund notice for each refund.
    const notices = await f.db
      .selectFrom('mail_outbox')
      .select('dedupe_key')
      .where('template', '=', 'refund-notice')
      .where('to_address', '=', g.donation.donor_email)
      .execute()
    expect(notices).toHaveLength(2)
    expect((await verifyLedger(f.db)).ok).toBe(true)
  })

  it('refuses more than the remainder, on the amount field, with nothing written', async () => {
    const g = await paidGift('100')
    const no = await refusal(refund(g.donation.id, 10001))
    expect(no.messageKey).toBe('refund.error.exceeds')
    expect(no.field).toBe('amount')
    expect(
      await f.db.selectFrom('refund_requests').selectAll().where('donation_id', '=', g.donation.id).execute(),
    ).toEqual([])
    expect((await refusal(refund(g.donation.id, 100, finance, '  '))).field).toBe('reason')
  })

  it('books once when the charge.refunded webhook arrives before the API answer', async () => {
    const g = await paidGift('200')
    let webhook: string | undefined
    f.stripe.beforeRefundAnswer = async () => {
      webhook = (await deliver(f.stripe.chargeRefundedEvent(g.intentId, g.publicId))).body.outcome
    }
    try {
      expect((await refund(g.donation.id, 5000)).status).toBe('succeeded')
    } finally {
      f.stripe.beforeRefundAnswer = null
    }
    expect(webhook).toBe('refunded')
    expect(await reversals(g.donation.id)).toHaveLength(1)
    expect(await refundTxs(g.publicId)).toBe(1)
    expect((await donation(g.publicId)).refunded_amount).toBe(5000)
    // The timeline knows it as made by staff, once the answer tied the request to the refund id.
    const desk = await getDeskDonation(f.db, g.donation.id)
    expect(desk!.timeline.filter((e) => e.kind.startsWith('refund')).map((e) => e.kind)).toEqual(['refundStaff'])
  })

  it('books once when the API answer arrives before the webhook, and after a pending answer', async () => {
    const g = await paidGift('200')
    expect((await refund(g.donation.id, 7000)).status).toBe('succeeded')
    expect((await deliver(f.stripe.chargeRefundedEvent(g.intentId, g.publicId))).body.outcome).toBe('already')
    // A refund Stripe answers as pending is booked by its webhook, which also closes the request.
    f.stripe.refundStatus = 'pending'
    try {
      expect((await refund(g.donation.id, 3000)).status).toBe('pending')
    } finally {
      f.stripe.refundStatus = 'succeeded'
    }
    expect((await donation(g.publicId)).refunded_amount).toBe(7000)
    const pending = f.stripe.refunds.at(-1)!
    pending.status = 'succeeded'
    expect((await deliver(f.stripe.chargeRefundedEvent(g.intentId, g.publicId))).body.outcome).toBe('refunded')
    expect((await deliver(f.stripe.chargeRefundedEvent(g.intentId, g.publicId))).body.outcome).toBe('already')
    expect(await reversals(g.donation.id)).toHaveLength(2)
    expect(await refundTxs(g.publicId)).toBe(2)
    expect((await donation(g.publicId)).refunded_amount).toBe(10000)
    const statuses = await f.db
      .selectFrom('refund_requests')
      .select('status')
      .where('donation_id', '=', g.donation.id)
      .execute()
    expect(statuses.map((s) => s.status)).toEqual(['succeeded', 'succeeded'])
  })

  it('20 concurrent refunds of one gift never exceed its amount', async () => {
    const g = await paidGift('500')
    const before = refundPosts().length
    // 20 × ¥70 against ¥500: at most 7 can be made.
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => refund(g.donation.id, 7000)))
    const made = results.filter((r) => r.status === 'fulfilled')
    const refused = results.filter((r) => r.status === 'rejected')
    for (const r of refused) expect(isRefusal((r as PromiseRejectedResult).reason)).toBe(true)
    expect(made.length).toBe(7)
    const d = await donation(g.publicId)
    expect(d.refunded_amount).toBe(49000)
    expect(d.refunded_amount).toBeLessThanOrEqual(d.amount)
    const booked = (await reversals(g.donation.id)).reduce((n, r) => n + r.amount, 0)
    expect(booked).toBe(49000)
    // Stripe was asked only for what could be given: the reservation refused the rest before any call.
    expect(refundPosts().length - before).toBe(7)
    expect(f.stripe.refundedOf(g.intentId)).toBe(49000)
    expect((await verifyLedger(f.db)).ok).toBe(true)
  })

  it('above the threshold: prepared by one, approved by another with TOTP, never by the preparer', async () => {
    const g = await paidGift('1500')
    const before = refundPosts().length
    const prepared = await refund(g.donation.id, 150000)
    expect(prepared.status).toBe('prepared')
    expect(refundPosts().length).toBe(before)
    expect((await donation(g.publicId)).refunded_amount).toBe(0)
    // The prepared amount is reserved: nothing more can be asked meanwhile.
    expect((await refusal(refund(g.donation.id, 100))).messageKey).toBe('refund.error.exceeds')
    const input = { donationId: g.donation.id, requestId: prepared.requestId }
    expect((await refusal(approveRefund(f.db, finance, input, deps))).messageKey).toBe('refund.error.ownRefund')
    expect((await refusal(approveRefund(f.db, { ...finance2, totpVerified: false }, input, deps))).messageKey).toBe(
      'refund.error.totp',
    )
    expect(refundPosts().length).toBe(before)
    const approved = await approveRefund(f.db, finance2, input, deps)
    expect(approved).toMatchObject({ status: 'succeeded' })
    expect(refundPosts().length).toBe(before + 1)
    expect((await donation(g.publicId)).status).toBe('refunded')
    expect((await refusal(approveRefund(f.db, finance2, input, deps))).messageKey).toBe('refund.error.notPrepared')
    const audit = await f.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('entity_type', '=', 'donation')
      .where('entity_id', '=', String(g.donation.id))
      .where('action', 'like', 'refund.%')
      .orderBy('id')
      .execute()
    expect(audit.map((a) => [a.action, a.actor_user_id])).toEqual([
      ['refund.prepared', finance.id],
      ['refund.approved', finance2.id],
      ['refund.succeeded', finance2.id],
    ])
    // A rejected one frees its amount and asks Stripe nothing.
    const g2 = await paidGift('1200')
    const p2 = await refund(g2.donation.id, 120000)
    expect(await rejectRefund(f.db, finance2, { donationId: g2.donation.id, requestId: p2.requestId })).toBe('rejected')
    expect((await refund(g2.donation.id, 1000)).status).toBe('succeeded')
  })

  it('refunds an offline gift with the bank reference of the money sent back', async () => {
    const { publicId } = await recordOfflineGift(f.db, {
      method: 'bank_transfer',
      reference: 'CMB-20261130-0042',
      receivedOn: '2026-11-30',
      amount: 50000,
      currency: 'CNY',
      campaignSlug: null,
      donorName: '线下捐赠人',
      donorEmail: 'offline-refund@example.test',
      displayMode: 'family',
      note: '',
      provider: 'offline',
      sourceRef: 'offline:refund-test',
      recordedBy: finance.id,
    })
    const d = await donation(publicId)
    const noRef = await refusal(
      requestRefund(f.db, finance, { donationId: d.id, amount: 20000, reason: '重复汇款' }, deps),
    )
    expect(noRef.field).toBe('bankReference')
    const done = await requestRefund(
      f.db,
      finance,
      { donationId: d.id, amount: 20000, reason: '重复汇款', bankReference: 'CMB-REFUND-7781' },
      { providerFor: () => null },
    )
    expect(done).toMatchObject({ status: 'succeeded' })
    const after = await donation(publicId)
    expect(after.status).toBe('partially_refunded')
    expect(after.refunded_amount).toBe(20000)
    const row = await f.db
      .selectFrom('refund_requests')
      .selectAll()
      .where('donation_id', '=', d.id)
      .executeTakeFirstOrThrow()
    expect(row.bank_reference).toBe('CMB-REFUND-7781')
    expect((await reversals(d.id)).map((r) => r.provider_ref)).toEqual([row.provider_refund_id])
    expect(await refundTxs(publicId)).toBe(1)
  })

  it('a refund made in the Stripe dashboard books through the webhook and shows as made outside the app', async () => {
    const g = await paidGift('100')
    const before = refundPosts().length
    f.stripe.dashboardRefund(g.intentId, 2500)
    const event = f.stripe.chargeRefundedEvent(g.intentId, g.publicId)
    expect((await deliver(event)).body.outcome).toBe('refunded')
    expect((await deliver(event)).body.outcome).toBe('duplicate')
    expect(refundPosts().length).toBe(before)
    expect((await donation(g.publicId)).refunded_amount).toBe(2500)
    const desk = await getDeskDonation(f.db, g.donation.id)
    const entries = desk!.timeline.filter((e) => e.kind.startsWith('refund'))
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([['refundOutside', 2500]])
    // What remains is refundable by staff, and the two never add up beyond the gift.
    expect((await refusal(refund(g.donation.id, 7501))).messageKey).toBe('refund.error.exceeds')
    expect((await refund(g.donation.id, 7500)).status).toBe('succeeded')
    expect((await donation(g.publicId)).status).toBe('refunded')
  })
})

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getBalance, verifyLedger } from '~/modules/ledger'
import { receiveWebhook, webhookReply } from '~/modules/donations/receive.server'
import { skipReason, testDialect } from '../support/db'
import { givingFixture, WEBHOOK_SECRET } from '../support/giving'
import * as ev from '../support/stripe-events'

describe.skipIf(skipReason)(`Stripe webhook fulfilment on ${testDialect}`, () => {
  let f: Awaited<ReturnType<typeof givingFixture>>
  beforeAll(async () => {
    f = await givingFixture({ poolSize: 12 })
    // Money in the general fund, so refund shortfalls (the processor keeps its fee) can be covered.
    const general = await f.checkout({ designation: 'general', amountChoice: 'custom', customAmount: '1000' }, 0)
    await deliver(ev.sessionCompleted({ publicId: general.publicId, intentId: general.intentId, amount: 100000 }))
  })
  afterAll(async () => f?.destroy())

  const deliver = async (event: object, secret = WEBHOOK_SECRET, timestamp?: number) => {
    const { payload, signature } = ev.sign(event, secret, timestamp)
    return webhookReply(await receiveWebhook(f.db, f.provider, payload, signature))
  }
  const donation = (publicId: string) =>
    f.db.selectFrom('donations').selectAll().where('public_id', '=', publicId).executeTakeFirstOrThrow()
  const count = async (
    table: 'payment_events' | 'ledger_transactions' | 'mail_outbox' | 'receipts',
    where?: (qb: any) => any,
  ) => {
    let q: any = f.db.selectFrom(table).select(sql<number>`count(*)`.as('n'))
    if (where) q = where(q)
    return Number((await q.executeTakeFirstOrThrow()).n)
  }
  const ledgerTxFor = (publicId: string) => count('ledger_transactions', (q) => q.where('donation_ref', '=', publicId))
  const receiptJobsFor = async (publicId: string) => {
    const d = await donation(publicId)
    return count('mail_outbox', (q) =>
      q.where('to_address', '=', d.donor_email).where('template', 'in', ['donation-receipt', 'monthly-gift-receipt']),
    )
  }

  it('answers 400 and writes nothing for a bad signature or a stale timestamp', async () => {
    const d = await f.checkout()
    const event = ev.sessionCompleted({ publicId: d.publicId, intentId: d.intentId, amount: 10000 })
    const before = await count('payment_events')
    expect((await deliver(event, 'whsec_wrong')).status).toBe(400)
    expect((await deliver(event, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 301)).status).toBe(400)
    expect(webhookReply(await receiveWebhook(f.db, f.provider, JSON.stringify(event), null)).status).toBe(400)
    expect(await count('payment_events')).toBe(before)
    expect((await donation(d.publicId)).status).toBe('pending')
    expect(await ledgerTxFor(d.publicId)).toBe(0)
  })

  it('fulfils the same event delivered 100 times, 10 at once, exactly once', async () => {
    const d = await f.checkout({}, 340)
    const event = ev.sessionCompleted({ publicId: d.publicId, intentId: d.intentId, amount: 10000 })
    const outcomes: string[] = []
    for (let round = 0; round < 10; round++) {
      const replies = await Promise.all(Array.from({ length: 10 }, () => deliver(event)))
      for (const r of replies) {
        expect(r.status).toBe(200)
        outcomes.push(String(r.body.outcome))
      }
    }
    expect(outcomes.filter((o) => o === 'fulfilled')).toHaveLength(1)
    const paid = await donation(d.publicId)
    expect(paid).toMatchObject({
      status: 'paid',
      amount: 10000,
      fee_amount: 340,
      provider_payment_intent_id: d.intentId,
      provider_charge_id: d.chargeId,
    })
    expect(await ledgerTxFor(d.publicId)).toBe(1)
    expect(await count('payment_events', (q) => q.where('event_id', '=', event.id))).toBe(1)
    expect(await receiptJobsFor(d.publicId)).toBe(1)
    expect(await count('receipts', (q) => q.where('donation_id', '=', paid.id))).toBe(1)
    expect(await getBalance(f.db, `fund:campaign:${f.campaign.id}`, 'CNY')).toBeGreaterThanOrEqual(9660)
  })

  it('books one donation whether completed or async_payment_succeeded comes first', async () => {
    for (const order of [
      ['completed', 'async'],
      ['async', 'completed'],
    ] as const) {
      const d = await f.checkout()
      const unpaid = ev.sessionCompleted({
        publicId: d.publicId,
        intentId: d.intentId,
        amount: 10000,
        paid: order[0] === 'async' ? true : false,
      })
      const completed = ev.sessionCompleted({ publicId: d.publicId, intentId: d.intentId, amount: 10000, paid: true })
      const async = ev.sessionCompleted({
        publicId: d.publicId,
        intentId: d.intentId,
        amount: 10000,
        type: 'checkout.session.async_payment_succeeded',
      })
      const sequence = order[0] === 'completed' ? [unpaid, async] : [async, completed]
      for (const e of sequence) expect((await deliver(e)).status).toBe(200)
      expect((await donation(d.publicId)).status).toBe('paid')
      expect(await ledgerTxFor(d.publicId)).toBe(1)
      expect(await receiptJobsFor(d.publicId)).toBe(1)
    }
  })

  it('ends a refund that overtakes checkout.session.completed refunded, netting to zero', async () => {
    const d = await f.checkout({}, 340)
    expect(
      (
        await deliver(
          ev.chargeRefunded({
            publicId: d.publicId,
            intentId: d.intentId,
            chargeId: d.chargeId,
            amount: 10000,
            refunds: [{ id: `re_${d.publicId}`, amount: 10000 }],
          }),
        )
      ).status,
    ).toBe(200)
    expect(
      (await deliver(ev.sessionCompleted({ publicId: d.publicId, intentId: d.intentId, amount: 10000 }))).body.outcome,
    ).toBe('already')
    const refunded = await donation(d.publicId)
    expect(refunded).toMatchObject({ status: 'refunded', refunded_amount: 10000 })
    // In: 10000 from the donor; out: 340 fee and 10000 refund, of which 340 came from fund:general.
    const rows = await f.db
      .selectFrom('ledger_transfers as t')
      .innerJoin('ledger_transactions as x', 'x.sequence', 't.sequence')
      .select(['x.kind', 't.from_account', 't.to_account', 't.amount'])
      .where('x.donation_ref', '=', d.publicId)
      .execute()
    const refundOut = rows.filter((r) => r.to_account === 'external:refunds').reduce((s, r) => s + Number(r.amount), 0)
    expect(refundOut).toBe(10000)
    expect(rows.some((r) => r.from_account === 'fund:general' && r.to_account === 'external:refunds')).toBe(true)
    expect(
      await count('mail_outbox', (q) =>
        q.where('to_address', '=', refunded.donor_email).where('template', '=', 'refund-notice'),
      ),
    ).toBe(1)
  })

  it('books two partial refunds that sum to amount_refunded, each once', async () => {
    const d = await f.checkout({}, 0)
    await deliver(ev.sessionCompleted({ publicId: d.publicId, intentId: d.intentId, amount: 10000 }))
    const first = ev.chargeRefunded({
      publicId: d.publicId,
      intentId: d.intentId,
      chargeId: d.chargeId,
      amount: 10000,
      refunds: [{ id: `re_a_${d.publicId}`, amount: 3000 }],
    })
    const second = ev.chargeRefunded({
      publicId: d.publicId,
      intentId: d.intentId,
      chargeId: d.chargeId,
      amount: 10000,
      refunds: [
        { id: `re_b_${d.publicId}`, amount: 2500 },
        { id: `re_a_${d.publicId}`, amount: 3000 },
      ],
    })
    for (const e of [first, second, second, first]) expect((await deliver(e)).status).toBe(200)
    const after = await donation(d.publicId)
    expect(after).toMatchObject({ status: 'partially_refunded', refunded_amount: 5500 })
    const reversals = await f.db
      .selectFrom('donation_reversals')
      .select('amount')
      .where('donation_id', '=', after.id)
      .execute()
    expect(reversals.map((r) => Number(r.amount)).sort()).toEqual([2500, 3000])
  })

  it('moves money out on a lost dispute, with the shortfall from the general fund, and none on a won one', async () => {
    const lost = await f.checkout({}, 340)
    await deliver(ev.sessionCompleted({ publicId: lost.publicId, intentId: lost.intentId, amount: 10000 }))
    const general = await getBalance(f.db, 'fund:general', 'CNY')
    await deliver(
      ev.dispute({
        type: 'charge.dispute.created',
        disputeId: `dp_${lost.publicId}`,
        intentId: lost.intentId,
        chargeId: lost.chargeId,
        amount: 10000,
      }),
    )
    expect((await donation(lost.publicId)).status).toBe('disputed')
    await deliver(
      ev.dispute({
        type: 'charge.dispute.closed',
        disputeId: `dp_${lost.publicId}`,
        intentId: lost.intentId,
        chargeId: lost.chargeId,
        amount: 10000,
        status: 'lost',
      }),
    )
    expect(await getBalance(f.db, 'fund:general', 'CNY')).toBe(general - 340)
    const out = await f.db
      .selectFrom('ledger_transactions')
      .select('kind')
      .where('donation_ref', '=', lost.publicId)
      .execute()
    expect(out.map((x) => x.kind).sort()).toEqual(['dispute', 'donation'])

    const won = await f.checkout({}, 340)
    await deliver(ev.sessionCompleted({ publicId: won.publicId, intentId: won.intentId, amount: 10000 }))
    await deliver(
      ev.dispute({
        type: 'charge.dispute.created',
        disputeId: `dp_${won.publicId}`,
        intentId: won.intentId,
        chargeId: won.chargeId,
        amount: 10000,
      }),
    )
    await deliver(
      ev.dispute({
        type: 'charge.dispute.closed',
        disputeId: `dp_${won.publicId}`,
        intentId: won.intentId,
        chargeId: won.chargeId,
        amount: 10000,
        status: 'won',
      }),
    )
    expect((await donation(won.publicId)).status).toBe('paid')
    expect(await ledgerTxFor(won.publicId)).toBe(1)
  })

  it("books a dispute that overtakes the checkout event: the payment first, then the dispute (found by the intent's metadata)", async () => {
    const d = await f.checkout({}, 340)
    // A dispute carries no donation metadata, and the pending gift has no intent or charge recorded yet.
    expect(
      (
        await deliver(
          ev.dispute({
            type: 'charge.dispute.created',
            disputeId: `dp_${d.publicId}`,
            intentId: d.intentId,
            chargeId: d.chargeId,
            amount: 10000,
          }),
        )
      ).body.outcome,
    ).toBe('dispute-open')
    expect((await donation(d.publicId)).status).toBe('disputed')
    expect(
      (
        await deliver(
          ev.dispute({
            type: 'charge.dispute.closed',
            disputeId: `dp_${d.publicId}`,
            intentId: d.intentId,
            chargeId: d.chargeId,
            amount: 10000,
            status: 'lost',
          }),
        )
      ).body.outcome,
    ).toBe('reversed')
    expect(
      (await deliver(ev.sessionCompleted({ publicId: d.publicId, intentId: d.intentId, amount: 10000 }))).body.outcome,
    ).toBe('already')
    const out = await f.db
      .selectFrom('ledger_transactions')
      .select('kind')
      .where('donation_ref', '=', d.publicId)
      .execute()
    expect(out.map((x) => x.kind).sort()).toEqual(['dispute', 'donation'])
  })

  it('ignores intent metadata that names a gift paid through another intent: nothing is booked against it', async () => {
    const paid = await f.checkout({}, 340)
    expect(
      (await deliver(ev.sessionCompleted({ publicId: paid.publicId, intentId: paid.intentId, amount: 10000 }))).body
        .outcome,
    ).toBe('fulfilled')
    // A second intent whose metadata (wrongly, or maliciously set elsewhere) names the paid gift.
    const strayIntent = `pi_stray_${paid.publicId.replace('-', '')}`
    f.stripe.intents.set(strayIntent, {
      id: strayIntent,
      amount: 10000,
      currency: 'CNY',
      fee: 340,
      chargeId: `ch_stray_${paid.publicId.replace('-', '')}`,
      metadata: { donation_public_id: paid.publicId },
    })
    const reply = await deliver(
      ev.dispute({
        type: 'charge.dispute.created',
        disputeId: `dp_stray_${paid.publicId}`,
        intentId: strayIntent,
        chargeId: `ch_stray_${paid.publicId.replace('-', '')}`,
        amount: 10000,
      }),
    )
    expect(reply.body.outcome).toBe('unknown-donation')
    expect((await donation(paid.publicId)).status).toBe('paid')
    const kinds = await f.db
      .selectFrom('ledger_transactions')
      .select('kind')
      .where('donation_ref', '=', paid.publicId)
      .execute()
    expect(kinds.map((x) => x.kind)).toEqual(['donation'])
  })

  it('makes each monthly invoice its own donation, and cancels with the subscription', async () => {
    const d = await f.checkout({ frequency: 'monthly', amountChoice: '5000' }, 200)
    const sub = `sub_${d.publicId}`
    await deliver(ev.subscriptionCompleted({ publicId: d.publicId, subscriptionId: sub }))
    const invoices = ['in_1', 'in_2', 'in_3'].map((id) => `${id}_${d.publicId}`)
    for (const [i, invoice] of invoices.entries()) {
      const intentId = `pi_inv_${i}_${d.publicId}`
      f.stripe.intents.set(intentId, {
        id: intentId,
        amount: 5000,
        currency: 'CNY',
        fee: 200,
        chargeId: `ch_inv_${i}_${d.publicId}`,
      })
      const event = ev.invoicePaid({
        publicId: d.publicId,
        invoiceId: invoice,
        intentId,
        subscriptionId: sub,
        amount: 5000,
      })
      await deliver(event)
      await deliver({ ...event, id: event.id + '_redelivered' })
    }
    const gifts = await f.db
      .selectFrom('donations')
      .select(['public_id', 'status', 'provider_invoice_id'])
      .where('recurring_gift_id', '=', d.donation.recurring_gift_id)
      .orderBy('id')
      .execute()
    expect(gifts).toHaveLength(3)
    expect(gifts.every((g) => g.status === 'paid')).toBe(true)
    expect(gifts.map((g) => g.provider_invoice_id)).toEqual(invoices)
    expect(gifts[0]!.public_id).toBe(d.publicId)
    await deliver(ev.subscriptionDeleted(sub))
    const gift = await f.db
      .selectFrom('recurring_gifts')
      .select('status')
      .where('id', '=', d.donation.recurring_gift_id!)
      .executeTakeFirstOrThrow()
    expect(gift.status).toBe('canceled')
  })

  it('keeps the ledger verifiable after all of the above', async () => {
    const result = await verifyLedger(f.db)
    expect(result.firstError).toBeUndefined()
    expect(result.ok).toBe(true)
  })
})

describe.skipIf(skipReason)(`reconcile on ${testDialect}`, () => {
  it('fulfils events the webhook never received, and only those', async () => {
    const f = await givingFixture()
    try {
      const { reconcile } = await import('~/modules/donations/reconcile.server')
      const missed = await f.checkout()
      const seen = await f.checkout()
      const seenEvent = ev.sessionCompleted({ publicId: seen.publicId, intentId: seen.intentId, amount: 10000 })
      const { payload, signature } = ev.sign(seenEvent, WEBHOOK_SECRET)
      await receiveWebhook(f.db, f.provider, payload, signature)
      f.stripe.events = [
        ev.sessionCompleted({ publicId: missed.publicId, intentId: missed.intentId, amount: 10000 }),
        seenEvent,
      ]
      const result = await reconcile(f.db, f.provider, { since: new Date(Date.now() - 3_600_000) })
      expect(result).toMatchObject({ listed: 2, processed: 1, alreadyProcessed: 1 })
      const statuses = await f.db
        .selectFrom('donations')
        .select(['public_id', 'status'])
        .where('public_id', 'in', [missed.publicId, seen.publicId])
        .execute()
      expect(statuses.every((s) => s.status === 'paid')).toBe(true)
    } finally {
      await f.destroy()
    }
  })
})

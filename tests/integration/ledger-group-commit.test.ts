// Group commit (app/modules/ledger/group-commit.server.ts): fulfilments that arrive together
// share one transaction, each in its own savepoint, or, for plain paid checkouts, run
// together with one statement per table (fulfil-many.server.ts) and write what each alone
// would. A failing item is rolled back alone and its caller gets its error; the others
// commit; ledger sequences and receipt numbers stay gapless and the chain verifies.
import { createQueryId, sql, type KyselyPlugin } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fulfilDonation, lockDonation } from '~/modules/donations/fulfil.server'
import { receiveWebhook, webhookReply } from '~/modules/donations/receive.server'
import { groupCommit, groupCommitFor, lockHead, verifyLedger } from '~/modules/ledger'
import { displayCode } from '~/modules/receipts/code.server'
import { present } from '~/utils/invariant'
import { skipReason, testDialect } from '../support/db'
import { givingFixture, WEBHOOK_SECRET } from '../support/giving'
import * as ev from '../support/stripe-events'

describe.skipIf(skipReason)(`group commit of fulfilments on ${testDialect}`, () => {
  let f: Awaited<ReturnType<typeof givingFixture>>
  beforeAll(async () => {
    f = await givingFixture({ poolSize: 12 })
  })
  afterAll(async () => f?.destroy())

  const deliver = async (event: object) => {
    const { payload, signature } = ev.sign(event, WEBHOOK_SECRET)
    return webhookReply(await receiveWebhook(f.db, f.provider, payload, signature))
  }
  /** Everything submitted within the wait shares one batch of at most `max`. */
  const batching = (max: number) => {
    const c = groupCommitFor(f.db)
    const saved = { ...c.settings }
    c.settings = { max, waitMs: 2_000 }
    const before = { ...c.stats }
    c.stats.largest = 0
    return {
      stats: () => ({
        ...c.stats,
        batches: c.stats.batches - before.batches,
        isolated: c.stats.isolated - before.isolated,
        together: c.stats.together - before.together,
        togetherFailed: c.stats.togetherFailed - before.togetherFailed,
      }),
      restore: () => void (c.settings = saved),
    }
  }
  /** `fn`'s result, with what batching of at most `max` did while it ran. */
  const inOneBatch = async <T>(max: number, fn: () => Promise<T>) => {
    const b = batching(max)
    try {
      const result = await fn()
      return { result, stats: b.stats() }
    } finally {
      b.restore()
    }
  }
  const sequences = async () =>
    (await f.db.selectFrom('ledger_transactions').select('sequence').orderBy('sequence').execute()).map((r) =>
      Number(r.sequence),
    )
  const receiptSequences = async () =>
    (await f.db.selectFrom('receipts').select(['year', 'sequence']).orderBy('year').orderBy('sequence').execute()).map(
      (r) => `${r.year}:${r.sequence}`,
    )
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
  const gapless = (xs: number[]) => xs.every((x, i) => i === 0 || x === xs[i - 1]! + 1)

  it('isolates a failing item: the others commit, its writes roll back, numbers stay gapless', async () => {
    const ok = await Promise.all(Array.from({ length: 4 }, () => f.checkout()))
    const doomed = await f.checkout()
    const seqBefore = await sequences()
    const b = batching(5)
    try {
      const results = await Promise.allSettled([
        deliver(ev.sessionCompleted({ publicId: ok[0]!.publicId, intentId: ok[0]!.intentId, amount: 10000 })),
        deliver(ev.sessionCompleted({ publicId: ok[1]!.publicId, intentId: ok[1]!.intentId, amount: 10000 })),
        // Books the gift, its ledger posting and receipt, then fails: all of it must go. Sent
        // a little later, so that it most likely sits between the others in the batch.
        pause(300).then(() =>
          groupCommit(f.db, async (trx) => {
            const d = present(await lockDonation(trx, { publicId: doomed.publicId }), 'doomed donation')
            await fulfilDonation(trx, d, {
              paymentIntentId: doomed.intentId,
              chargeId: doomed.chargeId,
              amount: 10000,
              currency: 'CNY',
              fee: 340,
              net: 9660,
              paidAt: new Date().toISOString(),
            })
            throw new Error('item failed after writing')
          }),
        ),
        deliver(ev.sessionCompleted({ publicId: ok[2]!.publicId, intentId: ok[2]!.intentId, amount: 10000 })),
        deliver(ev.sessionCompleted({ publicId: ok[3]!.publicId, intentId: ok[3]!.intentId, amount: 10000 })),
      ])
      const stats = b.stats()
      expect(stats.largest, 'the five shared one transaction').toBe(5)
      expect(stats.isolated, 'the failed item ran again alone').toBe(1)
      const statuses = results.map((r) => r.status)
      expect(statuses[2]).toBe('rejected')
      expect(String((results[2] as PromiseRejectedResult).reason)).toContain('item failed after writing')
      for (const i of [0, 1, 3, 4]) {
        expect(results[i]!.status, `item ${i}`).toBe('fulfilled')
        expect((results[i] as PromiseFulfilledResult<Awaited<ReturnType<typeof deliver>>>).value.body.outcome).toBe(
          'fulfilled',
        )
      }
    } finally {
      b.restore()
    }
    const status = async (publicId: string) =>
      (await f.db.selectFrom('donations').select('status').where('public_id', '=', publicId).executeTakeFirstOrThrow())
        .status
    for (const d of ok) expect(await status(d.publicId)).toBe('paid')
    expect(await status(doomed.publicId)).toBe('pending')
    {
      const d = doomed
      const rows = await f.db
        .selectFrom('ledger_transactions')
        .select('sequence')
        .where('donation_ref', '=', d.publicId)
        .execute()
      expect(rows, `no posting of ${d.publicId}`).toEqual([])
      const receipts = await f.db.selectFrom('receipts').select('id').where('donation_id', '=', d.donation.id).execute()
      expect(receipts, `no receipt of ${d.publicId}`).toEqual([])
    }
    const seqAfter = await sequences()
    // Each gift booked once (a matching pool may add a posting of its own beside it).
    const booked = await f.db
      .selectFrom('ledger_transactions')
      .select('donation_ref')
      .where('kind', '=', 'donation')
      .where('sequence', '>', seqBefore[seqBefore.length - 1] ?? 0)
      .execute()
    expect(booked.map((r) => r.donation_ref).sort()).toEqual(ok.map((d) => d.publicId).sort())
    expect(gapless(seqAfter), `ledger sequences ${seqAfter.join(',')}`).toBe(true)
    const receipts = await receiptSequences()
    const byYear = new Map<string, number[]>()
    for (const r of receipts) {
      const [y, s] = r.split(':')
      byYear.set(y!, [...(byYear.get(y!) ?? []), Number(s)])
    }
    for (const [year, xs] of byYear) {
      expect(xs[0], `receipts of ${year} start at 1`).toBe(1)
      expect(gapless(xs), `receipt numbers of ${year}: ${xs.join(',')}`).toBe(true)
    }
    const head = await f.db.selectFrom('ledger_head').select('sequence').executeTakeFirstOrThrow()
    expect(Number(head.sequence)).toBe(seqAfter[seqAfter.length - 1])
    expect((await verifyLedger(f.db)).ok).toBe(true)
  })

  // Another process's batch holds the head: what arrives meanwhile joins the batch that
  // waits for it. (SQLite's writers block the whole process while they wait, so PostgreSQL.)
  it.skipIf(testDialect !== 'postgres')(
    'takes its items after the head, so those that came while it waited join',
    async () => {
      const c = groupCommitFor(f.db)
      const saved = { ...c.settings }
      c.settings = { max: 64, waitMs: 0 }
      const before = { ...c.stats }
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      let locked!: () => void
      const isLocked = new Promise<void>((r) => (locked = r))
      const holder = f.db.transaction().execute(async (trx) => {
        await lockHead(trx)
        locked()
        await held
      })
      try {
        await isLocked
        const first = groupCommit(f.db, async () => 'first')
        await pause(50) // its batch has begun and waits for the head
        const later = ['a', 'b', 'c'].map((x) => groupCommit(f.db, async () => x))
        await pause(20)
        release()
        await holder
        expect(await Promise.all([first, ...later])).toEqual(['first', 'a', 'b', 'c'])
        expect(c.stats.batches - before.batches).toBe(1)
        expect(c.stats.items - before.items).toBe(4)
      } finally {
        release()
        c.settings = saved
      }
    },
  )

  it('books an event delivered several times within one batch once', async () => {
    const d = await f.checkout()
    const event = ev.sessionCompleted({ publicId: d.publicId, intentId: d.intentId, amount: 10000 })
    const b = batching(5)
    let replies
    try {
      replies = await Promise.all(Array.from({ length: 5 }, () => deliver(event)))
    } finally {
      b.restore()
    }
    expect(b.stats().largest).toBe(5)
    expect(replies.map((r) => r.body.outcome).sort()).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
      'fulfilled',
    ])
    const n = await f.db
      .selectFrom('ledger_transactions')
      .select(sql<number>`count(*)`.as('n'))
      .where('donation_ref', '=', d.publicId)
      .executeTakeFirstOrThrow()
    expect(Number(n.n)).toBe(1)
    expect((await verifyLedger(f.db)).ok).toBe(true)
  })

  /** Everything one fulfilment wrote, without what differs between any two gifts (ids, numbers, codes, times). */
  const written = async (publicId: string) => {
    const d = await f.db.selectFrom('donations').selectAll().where('public_id', '=', publicId).executeTakeFirstOrThrow()
    const event = await f.db
      .selectFrom('payment_events')
      .select(['type', 'outcome', 'processed_at', 'received_at'])
      .where('event_id', '=', `evt_${publicId}`)
      .executeTakeFirstOrThrow()
    const tx = await f.db
      .selectFrom('ledger_transactions')
      .select(['sequence', 'kind', 'refs', 'version'])
      .where('donation_ref', '=', publicId)
      .execute()
    const transfers = await f.db
      .selectFrom('ledger_transfers')
      .select(['from_account', 'to_account', 'amount', 'currency'])
      .where(
        'sequence',
        'in',
        tx.map((t) => t.sequence),
      )
      .orderBy('sequence')
      .orderBy('position')
      .execute()
    const ld = await f.db
      .selectFrom('ledger_donations')
      .select(['id', 'sequence', 'fund', 'gross', 'fee', 'currency', 'display_name', 'paid_at'])
      .where('donation_ref', '=', publicId)
      .executeTakeFirstOrThrow()
    const lots = await f.db
      .selectFrom('ledger_lots as l')
      .innerJoin('ledger_lot_balances as b', 'b.lot_id', 'l.id')
      .select(['l.sequence', 'l.fund', 'l.amount', 'l.paid_at', 'b.remaining'])
      .where('l.donation_id', '=', ld.id)
      .execute()
    const receipts = await f.db.selectFrom('receipts').selectAll().where('donation_id', '=', d.id).execute()
    const mail = await f.db
      .selectFrom('mail_outbox')
      .select(['dedupe_key', 'to_address', 'template', 'locale', 'props', 'status', 'created_at'])
      .where(
        'dedupe_key',
        'in',
        receipts.map((r) => `receipt:${r.id}`),
      )
      .execute()
    const props = (m: (typeof mail)[number]) => {
      const p = JSON.parse(m.props) as Record<string, unknown>
      const r = present(receipts[0], 'receipt')
      expect(p.receiptNumber).toBe(r.number)
      const hide = (v: string) =>
        [r.number, d.tracking_code, r.verification_code, displayCode(r.verification_code)].reduce(
          (text, secret) => text.replaceAll(secret, '<…>'),
          v,
        )
      return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'string' ? hide(v) : v]))
    }
    return {
      donation: {
        status: d.status,
        amount: d.amount,
        fee: d.fee_amount,
        paidAt: d.paid_at,
        intent: d.provider_payment_intent_id === `pi_${publicId.replace('-', '')}`,
        charge: d.provider_charge_id === `ch_${publicId.replace('-', '')}`,
        session: d.provider_session_id === `cs_for_${publicId}`,
      },
      event: {
        ...event,
        processedWhenReceived: event.processed_at === event.received_at,
        processed_at: 0,
        received_at: 0,
      },
      ledger: {
        kinds: tx.map((t) => t.kind),
        versions: tx.map((t) => t.version),
        refKeys: tx.map((t) => Object.keys(JSON.parse(t.refs) as object).sort()),
        transfers,
        // Version 2 keeps a salted commitment of the name here: its length, not its value.
        donation: { ...ld, id: 0, sequence: ld.sequence === tx[0]?.sequence, display_name: ld.display_name.length },
        lots: lots.map((l) => ({ ...l, sequence: l.sequence === tx[0]?.sequence })),
      },
      receipts: receipts.map((r) => ({
        ...r,
        id: 0,
        donation_id: 0,
        number: /^HL-\d{4}-\d{6}$/.test(r.number),
        sequence: 0,
        verification_code: r.verification_code.length,
      })),
      mail: mail.map((m) => ({ ...m, dedupe_key: 0, to_address: m.to_address === d.donor_email, props: props(m) })),
    }
  }

  it('runs paid checkouts that arrive together as one unit that writes what each alone would', async () => {
    // A campaign no matching pool tops up: a matched gift runs alone (matchGift).
    const unmatched = { campaign: 'sunshine-autumn-2026' }
    const alone = await Promise.all(Array.from({ length: 4 }, () => f.checkout(unmatched)))
    const together = await Promise.all(Array.from({ length: 4 }, () => f.checkout(unmatched)))
    const paidAt = 1_796_000_000 // one moment for both, so that times compare
    const sessionEvent = (d: (typeof alone)[number]) => ({
      ...ev.sessionCompleted({
        publicId: d.publicId,
        intentId: d.intentId,
        amount: 10000,
        eventId: `evt_${d.publicId}`,
      }),
      created: paidAt,
    })
    for (const d of alone) expect((await deliver(sessionEvent(d))).body.outcome).toBe('fulfilled')
    const receiptsBefore = await receiptSequences()
    const b = batching(4)
    let replies
    try {
      replies = await Promise.all(together.map((d) => deliver(sessionEvent(d))))
    } finally {
      b.restore()
    }
    expect(replies.map((r) => r.body.outcome)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
    expect(b.stats()).toMatchObject({ largest: 4, together: 4, togetherFailed: 0, isolated: 0 })
    for (const [i, d] of together.entries()) {
      const expected = await written(present(alone[i], 'a gift fulfilled alone').publicId)
      expect(await written(d.publicId), d.publicId).toEqual(expected)
    }
    // Numbered in the unit's order, right after the others; the chain verifies.
    const after = await receiptSequences()
    expect(after.length).toBe(receiptsBefore.length + 4)
    const seq = await sequences()
    expect(gapless(seq)).toBe(true)
    expect((await verifyLedger(f.db)).ok).toBe(true)
  })

  it('writes a unit with one statement per table and moves the head once, whatever its size', async () => {
    const statements: string[] = []
    const recorder: KyselyPlugin = {
      transformQuery: ({ node }) => {
        statements.push(f.db.getExecutor().compileQuery(node, createQueryId()).sql)
        return node
      },
      transformResult: async ({ result }) => result,
    }
    const db = f.db.withPlugin(recorder)
    const c = groupCommitFor(db)
    c.settings = { max: 64, waitMs: 2_000 }
    /** The statements of one batch of `n` paid checkouts, but the check each delivery makes before it. */
    const batchOf = async (n: number) => {
      const gifts = await Promise.all(Array.from({ length: n }, () => f.checkout({ campaign: 'sunshine-autumn-2026' })))
      const before = c.stats.batches
      statements.length = 0
      c.settings = { max: n, waitMs: 2_000 }
      const replies = await Promise.all(
        gifts.map(async (d) => {
          const event = ev.sessionCompleted({ publicId: d.publicId, intentId: d.intentId, amount: 10000 })
          const { payload, signature } = ev.sign(event, WEBHOOK_SECRET)
          return webhookReply(await receiveWebhook(db, f.provider, payload, signature))
        }),
      )
      expect(replies.map((r) => r.body.outcome)).toEqual(gifts.map(() => 'fulfilled'))
      expect(c.stats.batches - before).toBe(1)
      return statements.filter((q) => !/^select "processed_at" from "payment_events"/.test(q))
    }
    const count = (qs: string[], pattern: RegExp) => qs.filter((q) => pattern.test(q)).length
    const two = await batchOf(2)
    const six = await batchOf(6)
    expect(six.length, six.join('\n')).toBe(two.length)
    for (const table of ['payment_events', 'ledger_transactions', 'ledger_transfers', 'receipts', 'mail_outbox'])
      expect(count(six, new RegExp(`^insert into "${table}"`)), table).toBe(1)
    expect(count(six, /^update "ledger_head"/), 'the head moves once').toBe(1)
    expect(gapless(await sequences())).toBe(true)
    expect((await verifyLedger(f.db)).ok).toBe(true)
  })

  it('runs every item alone when the unit fails, and takes an event delivered twice once', async () => {
    const unmatched = { campaign: 'sunshine-autumn-2026' }
    const gifts = await Promise.all(Array.from({ length: 4 }, () => f.checkout(unmatched)))
    // An event recorded by an earlier attempt that never finished: a unit throws on it.
    const unfinished = (d: (typeof gifts)[number]) =>
      f.db
        .insertInto('payment_events')
        .values({
          provider: 'stripe',
          event_id: `evt_${d.publicId}`,
          type: 'checkout.session.completed',
          received_at: new Date().toISOString(),
          processed_at: null,
          outcome: null,
        })
        .execute()
    await unfinished(gifts[0]!)
    const event = (d: (typeof gifts)[number], currency?: string) =>
      ev.sessionCompleted({
        publicId: d.publicId,
        intentId: d.intentId,
        amount: 10000,
        currency,
        eventId: `evt_${d.publicId}`,
      })
    // Beside another item, the unit fails in its savepoint: the other item and then each
    // gift alone go on in the same transaction.
    const b = await inOneBatch(5, () =>
      Promise.all([groupCommit(f.db, async () => 'other'), Promise.all(gifts.map((d) => deliver(event(d))))]),
    )
    const [other, replies] = b.result
    expect(other).toBe('other')
    expect(replies.map((r) => r.body.outcome)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
    expect(b.stats).toMatchObject({ batches: 1, together: 0, togetherFailed: 1, isolated: 0 })

    // A unit that is the whole batch has no savepoint: its failure fails the transaction,
    // and each gift runs again alone.
    const whole = await Promise.all(Array.from({ length: 3 }, () => f.checkout(unmatched)))
    await unfinished(whole[1]!)
    const w = await inOneBatch(3, () => Promise.all(whole.map((d) => deliver(event(d)))))
    expect(w.result.map((r) => r.body.outcome)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
    expect(w.stats).toMatchObject({ together: 0, togetherFailed: 1, isolated: 3 })
    gifts.push(...whole)

    // An event delivered twice in one unit is taken once; the second delivery runs alone.
    const more = await Promise.all(Array.from({ length: 3 }, () => f.checkout(unmatched)))
    const c = await inOneBatch(4, () => Promise.all([...more.map((d) => deliver(event(d))), deliver(event(more[0]!))]))
    expect(c.result.map((r) => r.body.outcome)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'duplicate'])
    expect(c.stats).toMatchObject({ largest: 4, together: 3, togetherFailed: 0, isolated: 0 })
    const status = async (publicId: string) =>
      (await f.db.selectFrom('donations').select('status').where('public_id', '=', publicId).executeTakeFirstOrThrow())
        .status
    for (const d of [...gifts, ...more]) expect(await status(d.publicId), d.publicId).toBe('paid')
    const booked = await f.db
      .selectFrom('ledger_transactions')
      .select(sql<number>`count(*)`.as('n'))
      .where(
        'donation_ref',
        'in',
        [...gifts, ...more].map((d) => d.publicId),
      )
      .executeTakeFirstOrThrow()
    expect(Number(booked.n), 'each gift booked once').toBe(10)
    expect(gapless(await sequences())).toBe(true)
    expect((await verifyLedger(f.db)).ok).toBe(true)
  })
})

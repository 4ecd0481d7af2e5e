// Group commit (app/modules/ledger/group-commit.server.ts): fulfilments that arrive together
// share one transaction, each in its own savepoint. A failing item is rolled back alone and
// its caller gets its error; the others commit; ledger sequences and receipt numbers stay
// gapless and the chain verifies.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fulfilDonation, lockDonation } from '~/modules/donations/fulfil.server'
import { receiveWebhook, webhookReply } from '~/modules/donations/receive.server'
import { groupCommit, groupCommitFor, verifyLedger } from '~/modules/ledger'
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
      }),
      restore: () => void (c.settings = saved),
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
})

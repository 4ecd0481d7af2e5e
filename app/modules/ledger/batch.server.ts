// Award batches (a disbursement run of thousands of students): each award is still its
// own ledger transaction (own key, sequence, hash, traces), but the batch is planned and
// written set-wise — one FIFO scan per fund, multi-row inserts — all or nothing.
import { sql } from 'kysely'
import { isFund, paidOf, payableOf } from './accounts'
import { IdempotencyConflictError, InsufficientFundsError, LedgerInputError } from './errors'
import { digestOf } from './hash.server'
import { lockHead, preparePosting, type Posted, type Prepared, type Trx } from './post.server'
import { type AwardInput } from './awards.server'
import { chunks, writePostings } from './write.server'

type Open = { lotId: number; remaining: number }

/** The first lots of a fund in FIFO order whose remainders cover `amount` (keyset pages). */
async function fifoLots(trx: Trx, fund: string, currency: string, amount: number): Promise<Open[]> {
  const out: Open[] = []
  let covered = 0
  let after: { paidAt: string; lotId: number } | undefined
  while (covered < amount) {
    let query = trx
      .selectFrom('ledger_lot_balances')
      .select(['lot_id', 'remaining', 'paid_at'])
      .where('fund', '=', fund)
      .where('currency', '=', currency)
      .where('remaining', '>', sql.lit(0))
      .orderBy('paid_at')
      .orderBy('lot_id')
      .limit(2000)
    if (after) {
      const a = after
      query = query.where((eb) =>
        eb.or([eb('paid_at', '>', a.paidAt), eb.and([eb('paid_at', '=', a.paidAt), eb('lot_id', '>', a.lotId)])]),
      )
    }
    const rows = await query.execute()
    for (const r of rows) {
      out.push({ lotId: r.lot_id, remaining: r.remaining })
      covered += r.remaining
      if (covered >= amount) break
    }
    if (rows.length < 2000 && covered < amount) throw new InsufficientFundsError(fund, currency, covered, amount)
    const last = rows.at(-1)
    if (last) after = { paidAt: last.paid_at, lotId: last.lot_id }
  }
  return out
}

/**
 * Post many awards at once, in the given order. Replayed keys return their earlier
 * result (created: false); a key reused for other content, or a fund that cannot cover
 * its share of the batch, refuses the whole batch before anything is written.
 */
export async function postAwards(trx: Trx, inputs: AwardInput[]): Promise<Posted[]> {
  const prepared: { p: Prepared; digest: string; input: AwardInput }[] = []
  const keys = new Set<string>()
  for (const input of inputs) {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
      throw new LedgerInputError('amount must be a positive integer of minor units')
    if (!isFund(input.fund)) throw new LedgerInputError(`awards come from a fund account, not ${input.fund}`)
    if (!/^[A-Z]{2}-[0-9A-Z-]{1,40}$/.test(input.beneficiaryCode))
      throw new LedgerInputError('beneficiary code must be a public pseudonymous code')
    if (keys.has(input.idempotencyKey))
      throw new LedgerInputError(`idempotency key ${input.idempotencyKey} appears twice in the batch`)
    keys.add(input.idempotencyKey)
    const p = preparePosting({
      idempotencyKey: input.idempotencyKey,
      kind: 'award',
      transfers: [
        { from: input.fund, to: payableOf(input.beneficiaryId), amount: input.amount, currency: input.currency },
      ],
      refs: { ...input.refs, beneficiary: input.beneficiaryCode },
      occurredAt: input.occurredAt,
    })
    prepared.push({
      p,
      digest: digestOf({ kind: p.kind, occurredAt: p.occurredAt, refs: p.refs, transfers: p.transfers }),
      input,
    })
  }
  const head = await lockHead(trx)

  const earlier = new Map<string, { sequence: number; hash: string; request_digest: string }>()
  for (const part of chunks([...keys], 500)) {
    const rows = await trx
      .selectFrom('ledger_transactions')
      .select(['idempotency_key', 'sequence', 'hash', 'request_digest'])
      .where('idempotency_key', 'in', part)
      .execute()
    for (const r of rows) earlier.set(r.idempotency_key, r)
  }
  for (const { p, digest } of prepared) {
    const e = earlier.get(p.idempotencyKey)
    if (e && e.request_digest !== digest) throw new IdempotencyConflictError(p.idempotencyKey)
  }
  const fresh = prepared.filter(({ p }) => !earlier.has(p.idempotencyKey))

  // Plan: one FIFO walk per fund and currency, sliced award by award in batch order.
  const need = new Map<string, number>()
  for (const { input } of fresh)
    need.set(
      `${input.fund}\u0000${input.currency}`,
      (need.get(`${input.fund}\u0000${input.currency}`) ?? 0) + input.amount,
    )
  const queues = new Map<string, { lots: Open[]; at: number }>()
  for (const [k, amount] of need) {
    const [fund, currency] = k.split('\u0000') as [string, string]
    const balance = await trx
      .selectFrom('ledger_balances')
      .select('balance')
      .where('account', '=', fund)
      .where('currency', '=', currency)
      .executeTakeFirst()
    if ((balance?.balance ?? 0) < amount)
      throw new InsufficientFundsError(fund, currency, balance?.balance ?? 0, amount)
    queues.set(k, { lots: await fifoLots(trx, fund, currency, amount), at: 0 })
  }
  const draws = fresh.map(({ input }) => {
    const q = queues.get(`${input.fund}\u0000${input.currency}`)!
    const out: { lotId: number; amount: number }[] = []
    let left = input.amount
    while (left > 0) {
      const lot = q.lots[q.at]!
      const take = Math.min(lot.remaining, left)
      lot.remaining -= take
      left -= take
      out.push({ lotId: lot.lotId, amount: take })
      if (lot.remaining === 0) q.at++
    }
    return out
  })

  const names: Record<string, string> = {}
  for (const { input } of fresh)
    names[payableOf(input.beneficiaryId)] = names[paidOf(input.beneficiaryId)] = input.beneficiaryCode
  const posted = await writePostings(trx, head, fresh, names)

  const touched = [...queues.values()].flatMap((q) => q.lots.slice(0, q.at + 1))
  for (const part of chunks(
    touched.filter((l) => l.remaining === 0).map((l) => l.lotId),
    500,
  )) {
    await trx.updateTable('ledger_lot_balances').set({ remaining: 0 }).where('lot_id', 'in', part).execute()
  }
  for (const l of touched.filter((l) => l.remaining > 0))
    await trx.updateTable('ledger_lot_balances').set({ remaining: l.remaining }).where('lot_id', '=', l.lotId).execute()

  const traceRows = fresh.flatMap(({ input }, i) =>
    draws[i]!.map((d) => ({
      sequence: posted[i]!.sequence,
      kind: 'award' as const,
      lot_id: d.lotId,
      amount: d.amount,
      currency: input.currency,
      beneficiary_id: input.beneficiaryId,
      beneficiary_code: input.beneficiaryCode,
      parent_id: null,
    })),
  )
  for (const part of chunks(traceRows, 500)) {
    const ids = (await trx.insertInto('ledger_traces').values(part).returning('id').execute())
      .map((r) => r.id)
      .sort((a, b) => a - b)
    await trx
      .insertInto('ledger_trace_balances')
      .values(
        part.map((t, i) => ({
          trace_id: ids[i]!,
          beneficiary_id: t.beneficiary_id,
          currency: t.currency,
          unpaid: t.amount,
        })),
      )
      .execute()
  }

  const byKey = new Map(fresh.map(({ p }, i) => [p.idempotencyKey, posted[i]!]))
  return prepared.map(({ p }) => {
    const e = earlier.get(p.idempotencyKey)
    return e
      ? { transactionId: e.sequence, sequence: e.sequence, hash: e.hash, created: false }
      : byKey.get(p.idempotencyKey)!
  })
}

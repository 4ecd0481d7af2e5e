// Money toward students: awards draw a fund's lots oldest first; payouts settle a
// student's awards oldest first. Each step writes trace rows (donation → student).
import { sql } from 'kysely'
import { isFund, paidOf, payableOf } from './accounts'
import { LedgerInputError } from './errors'
import { digestOf, normaliseTime, type Refs } from './hash.server'
import { applyDraws, assertCovered, insertTraces, planFifo } from './lots.server'
import { lockHead, preparePosting, replayed, writePosting, type Posted, type Trx } from './post.server'

export type AwardInput = {
  idempotencyKey: string
  fund: string
  beneficiaryId: number
  /** Pseudonymous public code (HP-530627-0001): the only name the ledger knows. */
  beneficiaryCode: string
  amount: number
  currency: string
  occurredAt: string
  /** Public references such as programme, term, disbursement line. */
  refs?: Refs
}

const CODE = /^[A-Z]{2}-[0-9A-Z-]{1,40}$/

function check(amount: number, beneficiaryId: number) {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new LedgerInputError('amount must be a positive integer of minor units')
  if (!Number.isSafeInteger(beneficiaryId) || beneficiaryId <= 0) throw new LedgerInputError('bad beneficiary id')
}

/** fund → payable:beneficiary:<id>; the fund's lots drawn FIFO into award traces. */
export async function postAward(trx: Trx, input: AwardInput): Promise<Posted> {
  check(input.amount, input.beneficiaryId)
  if (!isFund(input.fund)) throw new LedgerInputError(`awards come from a fund account, not ${input.fund}`)
  if (!CODE.test(input.beneficiaryCode))
    throw new LedgerInputError('beneficiary code must be a public pseudonymous code')
  const payable = payableOf(input.beneficiaryId)
  const p = preparePosting({
    idempotencyKey: input.idempotencyKey,
    kind: 'award',
    transfers: [{ from: input.fund, to: payable, amount: input.amount, currency: input.currency }],
    refs: { ...input.refs, beneficiary: input.beneficiaryCode },
    occurredAt: input.occurredAt,
  })
  const head = await lockHead(trx)
  const digest = digestOf({ kind: p.kind, occurredAt: p.occurredAt, refs: p.refs, transfers: p.transfers })
  const again = await replayed(trx, p.idempotencyKey, digest)
  if (again) return again

  await assertCovered(trx, input.fund, input.currency, input.amount)
  const draws = await planFifo(trx, input.fund, input.currency, input.amount)
  const names = { [payable]: input.beneficiaryCode, [paidOf(input.beneficiaryId)]: input.beneficiaryCode }
  const posted = await writePosting(trx, head, p, digest, names)
  await applyDraws(trx, draws)
  const ids = await insertTraces(
    trx,
    draws.map((d) => ({
      sequence: posted.sequence,
      kind: 'award',
      lot_id: d.lotId,
      amount: d.amount,
      currency: input.currency,
      beneficiary_id: input.beneficiaryId,
      beneficiary_code: input.beneficiaryCode,
    })),
  )
  await trx
    .insertInto('ledger_trace_balances')
    .values(
      ids.map((id, i) => ({
        trace_id: id,
        beneficiary_id: input.beneficiaryId,
        currency: input.currency,
        unpaid: draws[i]!.amount,
      })),
    )
    .execute()
  return posted
}

export type PayoutInput = {
  idempotencyKey: string
  beneficiaryId: number
  amount: number
  currency: string
  occurredAt: string
  refs?: Refs
}

/** payable → paid for one student; settles that student's award traces oldest first. */
export async function postPayout(trx: Trx, input: PayoutInput): Promise<Posted> {
  check(input.amount, input.beneficiaryId)
  const occurredAt = normaliseTime(input.occurredAt)
  const head = await lockHead(trx)
  const digest = digestOf({ kind: 'payout', ...input, occurredAt, idempotencyKey: undefined })
  const again = await replayed(trx, input.idempotencyKey, digest)
  if (again) return again

  const payable = payableOf(input.beneficiaryId)
  await assertCovered(trx, payable, input.currency, input.amount)
  const open = await trx
    .selectFrom('ledger_trace_balances as b')
    .innerJoin('ledger_traces as t', 't.id', 'b.trace_id')
    .select(['b.trace_id', 'b.unpaid', 't.lot_id', 't.beneficiary_code'])
    .where('b.beneficiary_id', '=', input.beneficiaryId)
    .where('b.currency', '=', input.currency)
    .where('b.unpaid', '>', sql.lit(0))
    .orderBy('b.trace_id')
    .execute()
  const settles: { traceId: number; lotId: number; code: string; amount: number; before: number }[] = []
  let need = input.amount
  for (const row of open) {
    if (need === 0) break
    const take = Math.min(row.unpaid, need)
    settles.push({
      traceId: row.trace_id,
      lotId: row.lot_id,
      code: row.beneficiary_code!,
      amount: take,
      before: row.unpaid,
    })
    need -= take
  }
  if (need > 0)
    throw new LedgerInputError(
      `awards of beneficiary ${input.beneficiaryId} do not cover the payout (ledger inconsistent)`,
    )
  const p = preparePosting({
    idempotencyKey: input.idempotencyKey,
    kind: 'payout',
    transfers: [{ from: payable, to: paidOf(input.beneficiaryId), amount: input.amount, currency: input.currency }],
    refs: { ...input.refs, beneficiary: settles[0]!.code },
    occurredAt,
  })
  const posted = await writePosting(trx, head, p, digest, { [paidOf(input.beneficiaryId)]: settles[0]!.code })
  for (const s of settles) {
    await trx
      .updateTable('ledger_trace_balances')
      .set({ unpaid: s.before - s.amount })
      .where('trace_id', '=', s.traceId)
      .execute()
  }
  await insertTraces(
    trx,
    settles.map((s) => ({
      sequence: posted.sequence,
      kind: 'payout',
      lot_id: s.lotId,
      amount: s.amount,
      currency: input.currency,
      beneficiary_id: input.beneficiaryId,
      beneficiary_code: s.code,
      parent_id: s.traceId,
    })),
  )
  return posted
}

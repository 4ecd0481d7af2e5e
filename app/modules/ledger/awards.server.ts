// Money toward students: awards draw a fund's lots oldest first (one by one or a whole
// disbursement batch); payouts settle a student's awards oldest first. Each step writes
// trace rows (donation → student).
import { sql } from 'kysely'
import { isFund, paidOf, payableOf } from './accounts'
import { invariant, present } from '../../utils/invariant'
import { LedgerInputError } from './errors'
import { type Refs } from './hash.server'
import { assertCovered } from './lots.server'
import { postCommand, postCommands, type Command, type Posted, type Trx } from './post.server'

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

/** An award as a command: fund → payable:beneficiary:<id>, the fund's lots drawn FIFO into award traces. */
export function awardCommand(input: AwardInput): Command {
  check(input.amount, input.beneficiaryId)
  if (!isFund(input.fund)) throw new LedgerInputError(`awards come from a fund account, not ${input.fund}`)
  if (!CODE.test(input.beneficiaryCode))
    throw new LedgerInputError('beneficiary code must be a public pseudonymous code')
  const payable = payableOf(input.beneficiaryId)
  return {
    idempotencyKey: input.idempotencyKey,
    kind: 'award',
    occurredAt: input.occurredAt,
    posting: {
      transfers: [{ from: input.fund, to: payable, amount: input.amount, currency: input.currency }],
      refs: { ...input.refs, beneficiary: input.beneficiaryCode },
    },
    plan: async ({ lots }) => {
      const draws = await lots.fifo(input.fund, input.currency, input.amount)
      return {
        names: { [payable]: input.beneficiaryCode, [paidOf(input.beneficiaryId)]: input.beneficiaryCode },
        draws,
        traces: draws.map((d) => ({
          kind: 'award',
          lot_id: d.lotId,
          amount: d.amount,
          currency: input.currency,
          beneficiary_id: input.beneficiaryId,
          beneficiary_code: input.beneficiaryCode,
        })),
      }
    },
  }
}

/** One award (see awardCommand). */
export function postAward(trx: Trx, input: AwardInput): Promise<Posted> {
  return postCommand(trx, awardCommand(input))
}

/**
 * Post many awards at once, in the given order — a disbursement batch. Each award is
 * still its own transaction (own key, sequence, hash, traces), planned against one
 * LotDraws and written set-wise; a key reused for other content, or a fund that cannot
 * cover its share of the batch, refuses the whole batch before anything is written.
 */
export function postAwards(trx: Trx, inputs: AwardInput[]): Promise<Posted[]> {
  return postCommands(trx, inputs.map(awardCommand))
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
  const { beneficiaryId, amount, currency, refs } = input
  return postCommand(trx, {
    idempotencyKey: input.idempotencyKey,
    kind: 'payout',
    occurredAt: input.occurredAt,
    // Its refs name the student of the awards it settles, so the request is what was asked.
    asked: { beneficiaryId, amount, currency, refs },
    plan: async () => {
      const payable = payableOf(beneficiaryId)
      await assertCovered(trx, payable, currency, amount)
      const open = await trx
        .selectFrom('ledger_trace_balances as b')
        .innerJoin('ledger_traces as t', 't.id', 'b.trace_id')
        .select(['b.trace_id', 'b.unpaid', 't.lot_id', 't.beneficiary_code'])
        .where('b.beneficiary_id', '=', beneficiaryId)
        .where('b.currency', '=', currency)
        .where('b.unpaid', '>', sql.lit(0))
        .orderBy('b.trace_id')
        .execute()
      const settles: { traceId: number; lotId: number; code: string; amount: number; before: number }[] = []
      let need = amount
      for (const row of open) {
        if (need === 0) break
        const take = Math.min(row.unpaid, need)
        const code = present(row.beneficiary_code, 'an award trace names its student')
        settles.push({ traceId: row.trace_id, lotId: row.lot_id, code, amount: take, before: row.unpaid })
        need -= take
      }
      // A payable's balance is the sum of its open award traces.
      invariant(
        need === 0,
        () => `awards of beneficiary ${beneficiaryId} do not cover its payable (ledger inconsistent)`,
      )
      const code = present(settles[0], 'a covered payout settles an award').code
      return {
        posting: {
          transfers: [{ from: payable, to: paidOf(beneficiaryId), amount, currency }],
          refs: { ...refs, beneficiary: code },
        },
        names: { [paidOf(beneficiaryId)]: code },
        traces: settles.map((s) => ({
          kind: 'payout',
          lot_id: s.lotId,
          amount: s.amount,
          currency,
          beneficiary_id: beneficiaryId,
          beneficiary_code: s.code,
          parent_id: s.traceId,
        })),
        after: async () => {
          for (const s of settles)
            await trx
              .updateTable('ledger_trace_balances')
              .set({ unpaid: s.before - s.amount })
              .where('trace_id', '=', s.traceId)
              .execute()
        },
      }
    },
  })
}

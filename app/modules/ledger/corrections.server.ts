// Fund transfers (restricted money moved between funds) and corrections (exact
// reversals of an award, payout or fund transfer). History is never edited.
import { isFund } from './accounts'
import { present } from '../../utils/invariant'
import { LedgerInputError } from './errors'
import { type Refs } from './hash.server'
import { adjustLot, assertCovered, openLots } from './lots.server'
import { postCommand, type Posted, type Trx } from './post.server'

export type FundTransferInput = {
  idempotencyKey: string
  from: string
  to: string
  amount: number
  currency: string
  occurredAt: string
  refs?: Refs
}

/** fund → fund: lots drawn FIFO from `from`, reopened in `to` with their donation and paid time. */
export async function postFundTransfer(trx: Trx, input: FundTransferInput): Promise<Posted> {
  if (!isFund(input.from) || !isFund(input.to))
    throw new LedgerInputError('fund transfers move money between fund accounts')
  return postCommand(trx, {
    idempotencyKey: input.idempotencyKey,
    kind: 'fund_transfer',
    occurredAt: input.occurredAt,
    posting: {
      transfers: [{ from: input.from, to: input.to, amount: input.amount, currency: input.currency }],
      refs: input.refs,
    },
    plan: async ({ lots }) => {
      const draws = await lots.fifo(input.from, input.currency, input.amount)
      return {
        draws,
        traces: draws.map((d) => ({ kind: 'transfer', lot_id: d.lotId, amount: d.amount, currency: input.currency })),
        after: async (posted, traceIds) => {
          await openLots(
            trx,
            draws.map((d, i) => ({
              sequence: posted.sequence,
              donation_id: d.donationId,
              fund: input.to,
              currency: input.currency,
              amount: d.amount,
              paid_at: d.paidAt,
              source_trace_id: present(traceIds[i], 'one trace per draw'),
            })),
          )
        },
      }
    },
  })
}

export type CorrectionInput = {
  idempotencyKey: string
  /** Sequence number of the award, payout or fund transfer to reverse. */
  corrects: number
  occurredAt: string
  /** Public reason, e.g. "wrong student", "duplicate". */
  reason: string
  refs?: Refs
}

const CORRECTABLE = ['award', 'payout', 'fund_transfer']

/** Reverse one transaction exactly: every transfer turned round, every trace row undone by a reversal row. */
export async function postCorrection(trx: Trx, input: CorrectionInput): Promise<Posted> {
  const { corrects, reason, refs } = input
  return postCommand(trx, {
    idempotencyKey: input.idempotencyKey,
    kind: 'correction',
    occurredAt: input.occurredAt,
    // Its transfers are read from the transaction it reverses, so the request is what was asked.
    asked: { corrects, reason, refs },
    plan: async () => {
      const original = await trx
        .selectFrom('ledger_transactions')
        .select(['sequence', 'kind'])
        .where('sequence', '=', corrects)
        .executeTakeFirst()
      if (!original) throw new LedgerInputError(`no transaction ${corrects}`)
      if (!CORRECTABLE.includes(original.kind))
        throw new LedgerInputError(
          `a ${original.kind} cannot be corrected; ${original.kind === 'donation' ? 'refund it' : 'post a new transaction'}`,
        )
      const already = await trx
        .selectFrom('ledger_transactions')
        .select('sequence')
        .where('corrects', '=', corrects)
        .executeTakeFirst()
      if (already) throw new LedgerInputError(`transaction ${corrects} was already corrected by ${already.sequence}`)

      const transfers = await trx
        .selectFrom('ledger_transfers')
        .selectAll()
        .where('sequence', '=', corrects)
        .orderBy('position')
        .execute()
      const traces = await trx
        .selectFrom('ledger_traces')
        .selectAll()
        .where('sequence', '=', corrects)
        .orderBy('id')
        .execute()
      const ids = traces.map((t) => t.id)
      // Undoing must not spend money that has moved on since.
      if (original.kind === 'award' && ids.length) {
        const open = await trx
          .selectFrom('ledger_trace_balances')
          .select(['trace_id', 'unpaid'])
          .where('trace_id', 'in', ids)
          .execute()
        const unpaid = new Map(open.map((o) => [o.trace_id, o.unpaid]))
        if (traces.some((t) => unpaid.get(t.id) !== t.amount))
          throw new LedgerInputError('this award was (partly) paid out: correct the payout first')
      }
      const created =
        original.kind === 'fund_transfer' && ids.length
          ? await trx
              .selectFrom('ledger_lots as l')
              .innerJoin('ledger_lot_balances as b', 'b.lot_id', 'l.id')
              .select(['l.id', 'l.amount', 'l.source_trace_id', 'b.remaining'])
              .where('l.source_trace_id', 'in', ids)
              .execute()
          : []
      if (created.some((l) => l.remaining !== l.amount))
        throw new LedgerInputError('money moved by this transfer was already used')
      for (const t of transfers) await assertCovered(trx, t.to_account, t.currency, t.amount)
      const createdBySource = new Map(created.map((l) => [l.source_trace_id, l.id]))

      return {
        posting: {
          transfers: transfers.map((t) => ({
            from: t.to_account,
            to: t.from_account,
            amount: t.amount,
            currency: t.currency,
          })),
          refs: { ...refs, corrects, reason },
        },
        traces: traces.map((t) => ({
          kind: 'reversal',
          lot_id: t.lot_id,
          amount: t.amount,
          currency: t.currency,
          beneficiary_id: t.beneficiary_id,
          beneficiary_code: t.beneficiary_code,
          parent_id: t.id,
        })),
        // Each reversed trace gives back what it took: to its lot, its award's unpaid balance, or its fund.
        after: async () => {
          for (const t of traces) {
            if (t.kind === 'award') {
              await adjustLot(trx, t.lot_id, t.amount)
              await trx.updateTable('ledger_trace_balances').set({ unpaid: 0 }).where('trace_id', '=', t.id).execute()
            } else if (t.kind === 'payout') {
              await trx
                .updateTable('ledger_trace_balances')
                .set((eb) => ({ unpaid: eb('unpaid', '+', t.amount) }))
                .where('trace_id', '=', present(t.parent_id, 'a payout trace settles an award trace'))
                .execute()
            } else if (t.kind === 'transfer') {
              await adjustLot(trx, t.lot_id, t.amount)
              await adjustLot(trx, present(createdBySource.get(t.id), 'a transfer trace reopened a lot'), -t.amount)
            }
          }
        },
      }
    },
  })
}

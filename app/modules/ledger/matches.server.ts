// Matches (配捐): a pool's top-up of one gift, and the unspent part of it given back
// when that gift is refunded or lost. Both move lots like a fund transfer: the money
// keeps the sponsor's gift as its origin, so traces name the sponsor.
import { isFund, matchPoolIdOf } from './accounts'
import { present } from '../../utils/invariant'
import { LedgerInputError } from './errors'
import { openLots, type Draw } from './lots.server'
import { postCommand, type Posted, type Trx } from './post.server'

export type MatchInput = {
  idempotencyKey: string
  /** fund:match:<id> */
  pool: string
  /** The matched gift's fund. */
  fund: string
  amount: number
  currency: string
  occurredAt: string
  /** The public id of the gift it matches. */
  giftRef: string
  /** How the amount was found: ratio:<gift>:<match> or random:<min>:<max>, then caps. */
  rule: string
  /** The rule's amount before caps and balance. */
  raw: number
  /** The limit that cut it (balance, gift, donor_day, pool), or '' when none did. */
  cut: string
}

function reopen(trx: Trx, to: string, currency: string, draws: Draw[]) {
  return async (posted: Posted, traceIds: number[]) => {
    await openLots(
      trx,
      draws.map((d, i) => ({
        sequence: posted.sequence,
        donation_id: d.donationId,
        fund: to,
        currency,
        amount: d.amount,
        paid_at: d.paidAt,
        source_trace_id: present(traceIds[i], 'one trace per draw'),
      })),
    )
  }
}

/** fund:match:<id> → the gift's fund, lots drawn FIFO and reopened there (like a fund transfer). */
export async function postMatch(trx: Trx, input: MatchInput): Promise<Posted> {
  if (matchPoolIdOf(input.pool) === undefined) throw new LedgerInputError('a match is paid from a fund:match account')
  if (!isFund(input.fund)) throw new LedgerInputError('a match goes to a fund account')
  return postCommand(trx, {
    idempotencyKey: input.idempotencyKey,
    kind: 'match',
    occurredAt: input.occurredAt,
    posting: {
      transfers: [{ from: input.pool, to: input.fund, amount: input.amount, currency: input.currency }],
      refs: {
        matches: input.giftRef,
        pool: String(matchPoolIdOf(input.pool)),
        rule: input.rule,
        raw: String(input.raw),
        ...(input.cut ? { cut: input.cut } : {}),
      },
    },
    plan: async ({ lots }) => {
      const draws = await lots.fifo(input.pool, input.currency, input.amount)
      return {
        draws,
        traces: draws.map((d) => ({ kind: 'transfer', lot_id: d.lotId, amount: d.amount, currency: input.currency })),
        after: reopen(trx, input.fund, input.currency, draws),
      }
    },
  })
}

export type MatchReturnInput = {
  idempotencyKey: string
  /** Sequence of the match transaction. */
  match: number
  occurredAt: string
}

/** What is still open of a match's lots, or 0 (nothing to give back). */
export async function unspentOfMatch(trx: Trx, match: number): Promise<number> {
  const row = await trx
    .selectFrom('ledger_lots as l')
    .innerJoin('ledger_lot_balances as b', 'b.lot_id', 'l.id')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('b.remaining'), eb.lit(0)).as('n'))
    .where('l.sequence', '=', match)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** The match's own lots, all that is still open of them, back to its pool (one transfer). */
export async function postMatchReturn(trx: Trx, input: MatchReturnInput): Promise<Posted> {
  const { match } = input
  return postCommand(trx, {
    idempotencyKey: input.idempotencyKey,
    kind: 'match_return',
    occurredAt: input.occurredAt,
    asked: { match },
    plan: async ({ lots }) => {
      const original = await trx
        .selectFrom('ledger_transactions')
        .select(['kind', 'refs'])
        .where('sequence', '=', match)
        .executeTakeFirst()
      if (original?.kind !== 'match') throw new LedgerInputError(`transaction ${match} is not a match`)
      const transfer = await trx
        .selectFrom('ledger_transfers')
        .select(['from_account', 'to_account', 'currency'])
        .where('sequence', '=', match)
        .executeTakeFirstOrThrow()
      const draws = await lots.openedBy(match)
      const amount = draws.reduce((s, d) => s + d.amount, 0)
      if (amount === 0) throw new LedgerInputError(`match ${match} has nothing left to give back`)
      const refs = JSON.parse(original.refs) as Record<string, string>
      const { currency } = transfer
      return {
        posting: {
          transfers: [{ from: transfer.to_account, to: transfer.from_account, amount, currency }],
          refs: { returns: String(match), matches: refs.matches ?? '', pool: refs.pool ?? '' },
        },
        draws,
        traces: draws.map((d) => ({ kind: 'transfer', lot_id: d.lotId, amount: d.amount, currency })),
        after: reopen(trx, transfer.from_account, currency, draws),
      }
    },
  })
}

// Replays the published tracing rule over the history, one transaction at a time, and
// checks every stored lot and trace row against what the rule produces. Split by job:
// balances and the per-kind rules here, the lots and FIFO in replay-lots.ts, awards and
// payouts in replay-awards.ts, refunds and corrections (which look back into the
// history) in replay-lookups.server.ts, row shapes and comparisons in replay-rows.ts.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { beneficiaryIdOf, isFund, isGuarded, matchPoolIdOf, paidOf, payableOf } from './accounts'
import { AwardBook } from './replay-awards'
import { applyCorrection, matchReturnDraws, refundDraws } from './replay-lookups.server'
import { LotBook } from './replay-lots'
import { bare, compareTraces, fail, type Expected, type Lot, type ReplayTx, type Trace } from './replay-rows'

export { VerifyFailure, type Lot, type ReplayTx } from './replay-rows'

export class Replay {
  /** account → currency → balance */
  readonly balances = new Map<string, Map<string, number>>()
  readonly lots = new LotBook()
  readonly awards = new AwardBook()
  readonly corrected = new Set<number>()
  traces = 0

  constructor(private readonly db: Kysely<Database>) {}

  /** Balances first: per transfer, then the never-negative rule once the transaction is whole. */
  private move(account: string, currency: string, delta: number) {
    let byCurrency = this.balances.get(account)
    if (!byCurrency) this.balances.set(account, (byCurrency = new Map()))
    byCurrency.set(currency, (byCurrency.get(currency) ?? 0) + delta)
  }

  private book(tx: ReplayTx) {
    for (const t of tx.transfers) {
      this.move(t.from, t.currency, -t.amount)
      this.move(t.to, t.currency, t.amount)
    }
    // Never negative once the transaction is whole (only debited accounts can have dropped).
    for (const t of tx.transfers) {
      if (isGuarded(t.from) && this.balances.get(t.from)!.get(t.currency)! < 0)
        fail('ledger_transfers', t.id, tx.sequence, `${t.from} would go negative`)
    }
  }

  private compare(seq: number, stored: Trace[], expected: Expected[]) {
    compareTraces(seq, stored, expected)
    this.traces += stored.length
  }

  /**
   * One transaction with its stored traces and lots (and, for a donation, the id of its
   * donation row, already matched to it). Synchronous for the common kinds; refunds and
   * corrections look rows up and return a promise.
   */
  apply(tx: ReplayTx, traces: Trace[], lots: Lot[], donationId?: number): void | Promise<void> {
    this.book(tx)
    const seq = tx.sequence
    const t0 = tx.transfers[0]!
    if (lots.length && !['donation', 'fund_transfer', 'match', 'match_return'].includes(tx.kind))
      fail('ledger_lots', lots[0]!.id, seq, `a ${tx.kind} opens no lots`)
    switch (tx.kind) {
      case 'donation': {
        const [gross, fee] = tx.transfers
        if (
          !gross ||
          gross.from !== 'external:donors' ||
          !isFund(gross.to) ||
          tx.transfers.length > 2 ||
          (fee && (fee.from !== gross.to || fee.to !== 'external:fees' || fee.currency !== gross.currency))
        ) {
          fail('ledger_transfers', t0.id, seq, 'a donation is donors → fund, then optionally fund → fees')
        }
        if (lots.length !== 1) fail('ledger_lots', lots[1]?.id, seq, 'a donation opens exactly one lot')
        this.lots.open(
          lots[0]!,
          {
            donation: donationId ?? -1,
            fund: gross!.to,
            currency: gross!.currency,
            amount: gross!.amount - (fee?.amount ?? 0),
            paidMs: Date.parse(tx.occurredAt),
            source: null,
          },
          seq,
        )
        return this.compare(seq, traces, [])
      }
      case 'refund':
      case 'dispute':
        return refundDraws(this.db, this.lots, tx).then((expected) => this.compare(seq, traces, expected))
      case 'award': {
        const beneficiary = beneficiaryIdOf(t0.to)
        if (tx.transfers.length !== 1 || !isFund(t0.from) || !t0.to.startsWith('payable:') || !beneficiary)
          return fail('ledger_transfers', t0.id, seq, 'an award is one transfer fund → payable')
        const code = tx.refs.beneficiary ?? null
        const hidden = tx.withdrawn?.has('beneficiary')
        const draws = this.lots.drawFifo(t0.from, t0.currency, t0.amount, seq)
        this.compare(
          seq,
          traces,
          draws.map((d, i) => ({
            ...bare('award', d.lot, d.amount, t0.currency),
            beneficiary_id: beneficiary,
            beneficiary_code: hidden ? (traces[i]?.beneficiary_code ?? null) : code,
          })),
        )
        this.awards.add(traces, beneficiary, t0.currency)
        return
      }
      case 'payout': {
        const beneficiary = beneficiaryIdOf(t0.from)
        if (
          tx.transfers.length !== 1 ||
          !beneficiary ||
          t0.from !== payableOf(beneficiary) ||
          t0.to !== paidOf(beneficiary)
        ) {
          return fail('ledger_transfers', t0.id, seq, 'a payout is one transfer payable → paid of the same student')
        }
        return this.compare(seq, traces, this.awards.settle(beneficiary, t0.currency, t0.amount, seq, t0.id))
      }
      case 'match':
      case 'fund_transfer': {
        if (tx.transfers.length !== 1 || !isFund(t0.from) || !isFund(t0.to))
          return fail('ledger_transfers', t0.id, seq, 'a fund transfer is one transfer fund → fund')
        if (tx.kind === 'match' && matchPoolIdOf(t0.from) === undefined)
          return fail('ledger_transfers', t0.id, seq, 'a match is paid from a fund:match account')
        return this.reopenDrawn(tx, traces, lots, this.lots.drawFifo(t0.from, t0.currency, t0.amount, seq))
      }
      case 'match_return':
        return matchReturnDraws(this.db, this.lots, tx).then((draws) => this.reopenDrawn(tx, traces, lots, draws))
      case 'correction':
        return applyCorrection(this.db, this, tx, (expected) => this.compare(seq, traces, expected))
      default:
        fail('ledger_transactions', seq, seq, `unknown kind ${tx.kind}`)
    }
  }

  /** Draws of a fund → fund move: one transfer trace each, one lot reopened each with its origin. */
  private reopenDrawn(tx: ReplayTx, traces: Trace[], lots: Lot[], draws: { lot: number; amount: number }[]) {
    const seq = tx.sequence
    const t0 = tx.transfers[0]!
    this.compare(
      seq,
      traces,
      draws.map((d) => bare('transfer', d.lot, d.amount, t0.currency)),
    )
    if (lots.length !== draws.length)
      fail('ledger_lots', lots[draws.length]?.id, seq, `expected ${draws.length} lots to be opened`)
    draws.forEach((d, i) => {
      this.lots.open(
        lots[i]!,
        {
          donation: this.lots.donationOf(d.lot),
          fund: t0.to,
          currency: t0.currency,
          amount: d.amount,
          paidMs: this.lots.paidMsOf(d.lot),
          source: traces[i]!.id,
        },
        seq,
      )
    })
  }
}

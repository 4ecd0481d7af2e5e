// Replays the published tracing rule over the history, one transaction at a time, and
// checks every stored donation, lot and trace row against what the rule produces.
// Memory: a few typed arrays indexed by lot id, heaps of ids, maps of open awards.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { TraceKind } from '../../../db/tables/ledger'
import { beneficiaryIdOf, GENERAL_FUND, isFund, isGuarded, matchPoolIdOf, paidOf, payableOf } from './accounts'
import { IdHeap } from './heap'
import {
  bare,
  compareTraces,
  expectTransfers,
  fail,
  grow,
  lowerId,
  type Expected,
  type Lot,
  type ReplayTx,
  type Trace,
} from './replay-rows'

export { VerifyFailure, type Lot, type ReplayTx } from './replay-rows'

export class Replay {
  /** account → currency → balance */
  readonly balances = new Map<string, Map<string, number>>()
  lotRemaining = new Float64Array(1024)
  private lotPaid = new Float64Array(1024)
  private lotDonation = new Float64Array(1024)
  private lotFund = new Int32Array(1024)
  /** Remainder rows as stored (NaN where the row is missing), compared once the history is replayed. */
  storedRemaining = new Float64Array(1024)
  readonly lotIds: number[] = []
  private lastLotId = 0
  private readonly fundIndex = new Map<string, number>()
  readonly fundNames: string[] = []
  private readonly fundHeaps: IdHeap[] = []
  // Award traces, by trace id (typed arrays: a million awards must fit in little memory).
  awardUnpaid = new Float64Array(1024)
  private awardLot = new Float64Array(1024)
  awardBeneficiary = new Float64Array(1024)
  private awardCode = new Int32Array(1024) // 1 + index into codes; 0 = not an award trace
  private awardCurrency = new Int32Array(1024)
  private readonly codes: string[] = []
  private readonly codeIndex = new Map<string, number>()
  private readonly currencies: string[] = []
  awards = 0
  private readonly openAwards = new Map<string, IdHeap>()
  private readonly corrected = new Set<number>()
  traces = 0

  constructor(private readonly db: Kysely<Database>) {}

  private fundOf(fund: string, currency: string): number {
    const key = `${fund}\u0000${currency}`
    let i = this.fundIndex.get(key)
    if (i === undefined) {
      i = this.fundNames.length
      this.fundIndex.set(key, i)
      this.fundNames.push(key)
      this.fundHeaps.push(
        new IdHeap((a, b) => this.lotPaid[a]! < this.lotPaid[b]! || (this.lotPaid[a] === this.lotPaid[b] && a < b)),
      )
    }
    return i
  }

  lotFundKey(lotId: number): string {
    return this.fundNames[this.lotFund[lotId]!]!
  }

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

  private openLot(
    lot: Lot,
    expected: {
      donation: number | null
      fund: string
      currency: string
      amount: number
      paidMs: number
      source: number | null
    },
    seq: number,
  ) {
    const diff =
      expected.donation !== null && lot.donation_id !== expected.donation
        ? 'donation'
        : lot.amount !== expected.amount
          ? 'amount'
          : lot.source_trace_id !== expected.source
            ? 'source_trace_id'
            : ''
    if (diff) fail('ledger_lots', lot.id, seq, `lot ${lot.id} has the wrong ${diff}`)
    if (lot.b_remaining === null) fail('ledger_lot_balances', lot.id, seq, `remainder row of lot ${lot.id} is missing`)
    if (lot.id <= this.lastLotId) fail('ledger_lots', lot.id, seq, `lot ${lot.id} is out of creation order`)
    this.lastLotId = lot.id
    if (lot.id >= this.lotRemaining.length) {
      this.lotRemaining = grow(this.lotRemaining, lot.id)
      this.lotPaid = grow(this.lotPaid, lot.id)
      this.lotDonation = grow(this.lotDonation, lot.id)
      this.lotFund = grow(this.lotFund, lot.id)
      this.storedRemaining = grow(this.storedRemaining, lot.id)
    }
    this.storedRemaining[lot.id] = lot.b_remaining!
    this.lotRemaining[lot.id] = lot.amount
    this.lotPaid[lot.id] = expected.paidMs
    this.lotDonation[lot.id] = lot.donation_id
    const f = this.fundOf(expected.fund, expected.currency)
    this.lotFund[lot.id] = f
    this.lotIds.push(lot.id)
    if (lot.amount > 0) this.fundHeaps[f]!.push(lot.id)
  }

  /** FIFO over a fund's open lots; `seq` names the transaction when they fall short. */
  private drawFifo(fund: string, currency: string, amount: number, seq: number): { lot: number; amount: number }[] {
    const heap = this.fundHeaps[this.fundOf(fund, currency)]!
    const out: { lot: number; amount: number }[] = []
    let need = amount
    while (need > 0) {
      const lot = heap.peek()
      if (lot === undefined) fail('ledger_transfers', undefined, seq, `${fund} lots cannot cover ${amount} ${currency}`)
      const open = this.lotRemaining[lot!]!
      if (open <= 0) {
        heap.pop()
        continue
      }
      const take = Math.min(open, need)
      this.lotRemaining[lot!] = open - take
      out.push({ lot: lot!, amount: take })
      need -= take
    }
    return out
  }

  private restoreLot(lot: number, amount: number) {
    const before = this.lotRemaining[lot]!
    this.lotRemaining[lot] = before + amount
    if (before <= 0) this.fundHeaps[this.lotFund[lot]!]!.push(lot)
  }

  private awardHeap(beneficiary: number, currency: string): IdHeap {
    const key = `${beneficiary}\u0000${currency}`
    let heap = this.openAwards.get(key)
    if (!heap) this.openAwards.set(key, (heap = new IdHeap(lowerId)))
    return heap
  }

  isAward(traceId: number): boolean {
    return traceId < this.awardCode.length && this.awardCode[traceId]! > 0
  }

  private openAward(t: Trace, beneficiary: number, currency: string) {
    if (t.id >= this.awardUnpaid.length) {
      this.awardUnpaid = grow(this.awardUnpaid, t.id)
      this.awardLot = grow(this.awardLot, t.id)
      this.awardBeneficiary = grow(this.awardBeneficiary, t.id)
      this.awardCode = grow(this.awardCode, t.id)
      this.awardCurrency = grow(this.awardCurrency, t.id)
    }
    let code = this.codeIndex.get(t.beneficiary_code!)
    if (code === undefined) {
      code = this.codes.push(t.beneficiary_code!) - 1
      this.codeIndex.set(t.beneficiary_code!, code)
    }
    let cur = this.currencies.indexOf(currency)
    if (cur < 0) cur = this.currencies.push(currency) - 1
    this.awardUnpaid[t.id] = t.amount
    this.awardLot[t.id] = t.lot_id
    this.awardBeneficiary[t.id] = beneficiary
    this.awardCode[t.id] = code + 1
    this.awardCurrency[t.id] = cur
    this.awards++
  }

  private compare(seq: number, stored: Trace[], expected: Expected[]) {
    compareTraces(seq, stored, expected)
    this.traces += stored.length
  }

  /** Synchronous for the common kinds; refunds and corrections look rows up and return a promise. */
  apply(tx: ReplayTx, traces: Trace[], lots: Lot[]): void | Promise<void> {
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
        // The donation row itself is matched to this transaction set-wise (verify-sql).
        if (lots.length !== 1) fail('ledger_lots', lots[1]?.id, seq, 'a donation opens exactly one lot')
        this.openLot(
          lots[0]!,
          {
            donation: null,
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
        return this.refund(tx, traces)
      case 'award': {
        const beneficiary = beneficiaryIdOf(t0.to)
        if (tx.transfers.length !== 1 || !isFund(t0.from) || !t0.to.startsWith('payable:') || !beneficiary)
          return fail('ledger_transfers', t0.id, seq, 'an award is one transfer fund → payable')
        const code = tx.refs.beneficiary ?? null
        const hidden = tx.withdrawn?.has('beneficiary')
        const draws = this.drawFifo(t0.from, t0.currency, t0.amount, seq)
        this.compare(
          seq,
          traces,
          draws.map((d, i) => ({
            ...bare('award', d.lot, d.amount, t0.currency),
            beneficiary_id: beneficiary,
            beneficiary_code: hidden ? (traces[i]?.beneficiary_code ?? null) : code,
          })),
        )
        const heap = this.awardHeap(beneficiary, t0.currency)
        for (const t of traces) {
          this.openAward(t, beneficiary, t0.currency)
          heap.push(t.id)
        }
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
        const heap = this.awardHeap(beneficiary, t0.currency)
        const expected: Expected[] = []
        let need = t0.amount
        while (need > 0) {
          const id = heap.peek()
          if (id === undefined) return fail('ledger_transfers', t0.id, seq, 'awards do not cover the payout')
          const unpaid = this.awardUnpaid[id]!
          if (unpaid <= 0) {
            heap.pop()
            continue
          }
          const take = Math.min(unpaid, need)
          this.awardUnpaid[id] = unpaid - take
          need -= take
          expected.push({
            kind: 'payout',
            lot_id: this.awardLot[id]!,
            amount: take,
            currency: t0.currency,
            beneficiary_id: beneficiary,
            beneficiary_code: this.codes[this.awardCode[id]! - 1]!,
            parent_id: id,
          })
        }
        return this.compare(seq, traces, expected)
      }
      case 'match':
      case 'fund_transfer': {
        if (tx.transfers.length !== 1 || !isFund(t0.from) || !isFund(t0.to))
          return fail('ledger_transfers', t0.id, seq, 'a fund transfer is one transfer fund → fund')
        if (tx.kind === 'match' && matchPoolIdOf(t0.from) === undefined)
          return fail('ledger_transfers', t0.id, seq, 'a match is paid from a fund:match account')
        const draws = this.drawFifo(t0.from, t0.currency, t0.amount, seq)
        this.reopenDrawn(tx, traces, lots, draws)
        return
      }
      case 'match_return':
        return this.matchReturn(tx, traces, lots)
      case 'correction':
        return this.correct(tx, traces)
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
      this.openLot(
        lots[i]!,
        {
          donation: this.lotDonation[d.lot]!,
          fund: t0.to,
          currency: t0.currency,
          amount: d.amount,
          paidMs: this.lotPaid[d.lot]!,
          source: traces[i]!.id,
        },
        seq,
      )
    })
  }

  /** A match given back: all that is still open of the match's own lots, in lot order, to its pool. */
  private async matchReturn(tx: ReplayTx, traces: Trace[], lots: Lot[]) {
    const seq = tx.sequence
    const t0 = tx.transfers[0]!
    const target = Number(tx.refs.returns)
    const original = await this.db
      .selectFrom('ledger_transactions')
      .select('kind')
      .where('sequence', '=', target)
      .where('sequence', '<', seq)
      .executeTakeFirst()
    if (original?.kind !== 'match') return fail('ledger_transactions', seq, seq, `${tx.refs.returns} is not a match`)
    const own = await this.db
      .selectFrom('ledger_lots')
      .select('id')
      .where('sequence', '=', target)
      .orderBy('id')
      .execute()
    const draws: { lot: number; amount: number }[] = []
    let from = ''
    for (const { id } of own) {
      const open = this.lotRemaining[id]!
      from = this.lotFundKey(id).split('\u0000')[0]!
      if (open <= 0) continue
      this.lotRemaining[id] = 0
      draws.push({ lot: id, amount: open })
    }
    const pool = await this.db
      .selectFrom('ledger_transfers')
      .select('from_account')
      .where('sequence', '=', target)
      .executeTakeFirstOrThrow()
    const amount = draws.reduce((s, d) => s + d.amount, 0)
    expectTransfers(tx, [{ from, to: pool.from_account, amount, currency: t0.currency }])
    this.reopenDrawn(tx, traces, lots, draws)
  }

  private async refund(tx: ReplayTx, traces: Trace[]) {
    const seq = tx.sequence
    const t0 = tx.transfers[0]!
    const currency = t0.currency
    const amount = tx.transfers.reduce((s, t) => s + t.amount, 0)
    const target = tx.kind === 'refund' ? 'external:refunds' : 'external:disputes'
    const donation = await this.db
      .selectFrom('ledger_donations')
      .select('id')
      .where('donation_ref', '=', tx.refs.donation ?? '')
      .executeTakeFirst()
    if (!donation) return fail('ledger_transactions', seq, seq, `refund of unknown donation ${tx.refs.donation}`)
    const own = await this.db
      .selectFrom('ledger_lots')
      .select('id')
      .where('donation_id', '=', donation.id)
      .where('sequence', '<', seq)
      .orderBy('id')
      .execute()
    const draws: { lot: number; amount: number }[] = []
    const transfers: { from: string; to: string; amount: number; currency: string }[] = []
    let need = amount
    for (const { id } of own) {
      const open = this.lotRemaining[id]!
      if (need === 0 || open <= 0) continue
      const take = Math.min(open, need)
      this.lotRemaining[id] = open - take
      draws.push({ lot: id, amount: take })
      need -= take
      const fund = this.lotFundKey(id).split('\u0000')[0]!
      const same = transfers.find((t) => t.from === fund)
      if (same) same.amount += take
      else transfers.push({ from: fund, to: target, amount: take, currency })
    }
    if (need > 0) {
      draws.push(...this.drawFifo(GENERAL_FUND, currency, need, seq))
      transfers.push({ from: GENERAL_FUND, to: target, amount: need, currency })
    }
    expectTransfers(tx, transfers)
    return this.compare(
      seq,
      traces,
      draws.map((d) => bare(tx.kind as TraceKind, d.lot, d.amount, currency)),
    )
  }

  private async correct(tx: ReplayTx, traces: Trace[]) {
    const seq = tx.sequence
    const target = Number(tx.refs.corrects)
    const original = await this.db
      .selectFrom('ledger_transactions')
      .select('kind')
      .where('sequence', '=', target)
      .where('sequence', '<', seq)
      .executeTakeFirst()
    if (!original || !['award', 'payout', 'fund_transfer'].includes(original.kind) || this.corrected.has(target)) {
      return fail('ledger_transactions', seq, seq, `cannot correct transaction ${tx.refs.corrects}`)
    }
    this.corrected.add(target)
    const transfers = await this.db
      .selectFrom('ledger_transfers')
      .selectAll()
      .where('sequence', '=', target)
      .orderBy('position')
      .execute()
    expectTransfers(
      tx,
      transfers.map((t) => ({ from: t.to_account, to: t.from_account, amount: t.amount, currency: t.currency })),
    )
    const undone = await this.db
      .selectFrom('ledger_traces')
      .selectAll()
      .where('sequence', '=', target)
      .orderBy('id')
      .execute()
    const created = await this.db
      .selectFrom('ledger_lots')
      .select(['id', 'source_trace_id'])
      .where('sequence', '=', target)
      .execute()
    this.compare(
      seq,
      traces,
      undone.map((t) => ({
        kind: 'reversal',
        lot_id: t.lot_id,
        amount: t.amount,
        currency: t.currency,
        beneficiary_id: t.beneficiary_id,
        beneficiary_code: t.beneficiary_code,
        parent_id: t.id,
      })),
    )
    for (const t of undone) {
      if (t.kind === 'award') {
        if (!this.isAward(t.id) || this.awardUnpaid[t.id] !== t.amount)
          fail('ledger_traces', t.id, seq, `award trace ${t.id} was paid before its correction`)
        this.awardUnpaid[t.id] = 0
        this.restoreLot(t.lot_id, t.amount)
      } else if (t.kind === 'payout') {
        const parent = t.parent_id!
        if (!this.isAward(parent))
          return fail('ledger_traces', t.id, seq, `payout trace ${t.id} has no award trace as parent`)
        if (this.awardUnpaid[parent]! <= 0)
          this.awardHeap(this.awardBeneficiary[parent]!, this.currencies[this.awardCurrency[parent]!]!).push(parent)
        this.awardUnpaid[parent] = this.awardUnpaid[parent]! + t.amount
      } else if (t.kind === 'transfer') {
        const lot = created.find((l) => l.source_trace_id === t.id)
        if (!lot || this.lotRemaining[lot.id] !== t.amount)
          return fail('ledger_lots', lot?.id, seq, `lot moved by trace ${t.id} was spent before its correction`)
        this.lotRemaining[lot.id] = 0
        this.restoreLot(t.lot_id, t.amount)
      }
    }
  }
}

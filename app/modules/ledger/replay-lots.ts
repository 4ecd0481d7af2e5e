// The replay's lots (replay.server.ts): what each lot holds, where its money came from,
// and each fund's open lots oldest first, as the FIFO rule draws them. Typed arrays
// indexed by lot id, so a million lots fit in a few tens of MB.
import { IdHeap } from './heap'
import { fail, grow, type Lot } from './replay-rows'

/** What the rule says a newly opened lot must hold. */
export type LotExpected = {
  donation: number
  fund: string
  currency: string
  amount: number
  /** paid_at in milliseconds (the stored text is checked against it). */
  paidMs: number
  source: number | null
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export class LotBook {
  remaining = new Float64Array(1024)
  private paid = new Float64Array(1024)
  private donation = new Float64Array(1024)
  private fund = new Int32Array(1024)
  /** Remainder rows as stored, compared once the history is replayed. */
  storedRemaining = new Float64Array(1024)
  readonly ids: number[] = []
  private lastId = 0
  private readonly fundIndex = new Map<string, number>()
  private readonly fundNames: string[] = []
  private readonly heaps: IdHeap[] = []

  private fundOf(fund: string, currency: string): number {
    const key = `${fund}\u0000${currency}`
    let i = this.fundIndex.get(key)
    if (i === undefined) {
      i = this.fundNames.length
      this.fundIndex.set(key, i)
      this.fundNames.push(key)
      this.heaps.push(new IdHeap((a, b) => this.paid[a]! < this.paid[b]! || (this.paid[a] === this.paid[b] && a < b)))
    }
    return i
  }

  /** The fund a lot's money sits in. */
  fundName(lot: number): string {
    return this.fundNames[this.fund[lot]!]!.split('\u0000')[0]!
  }

  donationOf(lot: number): number {
    return this.donation[lot]!
  }

  paidMsOf(lot: number): number {
    return this.paid[lot]!
  }

  /** A stored lot (and its remainder row) against what the rule opens. */
  open(lot: Lot, expected: LotExpected, seq: number) {
    const diff =
      lot.donation_id !== expected.donation
        ? 'donation'
        : lot.amount !== expected.amount
          ? 'amount'
          : lot.source_trace_id !== expected.source
            ? 'source_trace_id'
            : lot.fund !== expected.fund
              ? 'fund'
              : lot.currency !== expected.currency
                ? 'currency'
                : !ISO_MS.test(lot.paid_at) || Date.parse(lot.paid_at) !== expected.paidMs
                  ? 'paid_at'
                  : ''
    if (diff) fail('ledger_lots', lot.id, seq, `lot ${lot.id} has the wrong ${diff}`)
    if (lot.b_remaining === null) fail('ledger_lot_balances', lot.id, seq, `remainder row of lot ${lot.id} is missing`)
    if (lot.b_fund !== lot.fund || lot.b_currency !== lot.currency || lot.b_paid_at !== lot.paid_at)
      fail('ledger_lot_balances', lot.id, seq, `remainder row of lot ${lot.id} disagrees with its lot`)
    if (lot.id <= this.lastId) fail('ledger_lots', lot.id, seq, `lot ${lot.id} is out of creation order`)
    this.lastId = lot.id
    if (lot.id >= this.remaining.length) {
      this.remaining = grow(this.remaining, lot.id)
      this.paid = grow(this.paid, lot.id)
      this.donation = grow(this.donation, lot.id)
      this.fund = grow(this.fund, lot.id)
      this.storedRemaining = grow(this.storedRemaining, lot.id)
    }
    this.storedRemaining[lot.id] = lot.b_remaining!
    this.remaining[lot.id] = lot.amount
    this.paid[lot.id] = expected.paidMs
    this.donation[lot.id] = lot.donation_id
    const f = this.fundOf(expected.fund, expected.currency)
    this.fund[lot.id] = f
    this.ids.push(lot.id)
    if (lot.amount > 0) this.heaps[f]!.push(lot.id)
  }

  /** FIFO over a fund's open lots; `seq` names the transaction when they fall short. */
  drawFifo(fund: string, currency: string, amount: number, seq: number): { lot: number; amount: number }[] {
    const heap = this.heaps[this.fundOf(fund, currency)]!
    const out: { lot: number; amount: number }[] = []
    let need = amount
    while (need > 0) {
      const lot = heap.peek()
      if (lot === undefined) fail('ledger_transfers', undefined, seq, `${fund} lots cannot cover ${amount} ${currency}`)
      const open = this.remaining[lot!]!
      if (open <= 0) {
        heap.pop()
        continue
      }
      const take = Math.min(open, need)
      this.remaining[lot!] = open - take
      out.push({ lot: lot!, amount: take })
      need -= take
    }
    return out
  }

  /** Money back into a lot (a corrected award or transfer): it is open again. */
  restore(lot: number, amount: number) {
    const before = this.remaining[lot]!
    this.remaining[lot] = before + amount
    if (before <= 0) this.heaps[this.fund[lot]!]!.push(lot)
  }
}

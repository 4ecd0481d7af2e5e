// The replay's awards (replay.server.ts): each award trace's unpaid remainder, lot,
// student and code, and each student's open awards oldest first, as payouts settle them.
// Typed arrays indexed by trace id: a million awards must fit in little memory.
import { IdHeap } from './heap'
import { fail, grow, lowerId, type Expected, type Trace } from './replay-rows'

export class AwardBook {
  unpaid = new Float64Array(1024)
  private lot = new Float64Array(1024)
  beneficiary = new Float64Array(1024)
  private code = new Int32Array(1024) // 1 + index into codes; 0 = not an award trace
  private currency = new Int32Array(1024)
  private readonly codes: string[] = []
  private readonly codeIndex = new Map<string, number>()
  private readonly currencies: string[] = []
  count = 0
  private readonly open = new Map<string, IdHeap>()

  private heap(beneficiary: number, currency: string): IdHeap {
    const key = `${beneficiary}\u0000${currency}`
    let heap = this.open.get(key)
    if (!heap) this.open.set(key, (heap = new IdHeap(lowerId)))
    return heap
  }

  isAward(traceId: number): boolean {
    return traceId < this.code.length && this.code[traceId]! > 0
  }

  /** The award traces of one award transaction, now open for payouts. */
  add(traces: Trace[], beneficiary: number, currency: string) {
    const heap = this.heap(beneficiary, currency)
    for (const t of traces) {
      if (t.id >= this.unpaid.length) {
        this.unpaid = grow(this.unpaid, t.id)
        this.lot = grow(this.lot, t.id)
        this.beneficiary = grow(this.beneficiary, t.id)
        this.code = grow(this.code, t.id)
        this.currency = grow(this.currency, t.id)
      }
      let code = this.codeIndex.get(t.beneficiary_code!)
      if (code === undefined) {
        code = this.codes.push(t.beneficiary_code!) - 1
        this.codeIndex.set(t.beneficiary_code!, code)
      }
      let cur = this.currencies.indexOf(currency)
      if (cur < 0) cur = this.currencies.push(currency) - 1
      this.unpaid[t.id] = t.amount
      this.lot[t.id] = t.lot_id
      this.beneficiary[t.id] = beneficiary
      this.code[t.id] = code + 1
      this.currency[t.id] = cur
      this.count++
      heap.push(t.id)
    }
  }

  /** A payout settles the student's oldest open awards first: the payout traces it must have. */
  settle(beneficiary: number, currency: string, amount: number, seq: number, transferId: number): Expected[] {
    const heap = this.heap(beneficiary, currency)
    const expected: Expected[] = []
    let need = amount
    while (need > 0) {
      const id = heap.peek()
      if (id === undefined) return fail('ledger_transfers', transferId, seq, 'awards do not cover the payout')
      const unpaid = this.unpaid[id]!
      if (unpaid <= 0) {
        heap.pop()
        continue
      }
      const take = Math.min(unpaid, need)
      this.unpaid[id] = unpaid - take
      need -= take
      expected.push({
        kind: 'payout',
        lot_id: this.lot[id]!,
        amount: take,
        currency,
        beneficiary_id: beneficiary,
        beneficiary_code: this.codes[this.code[id]! - 1]!,
        parent_id: id,
      })
    }
    return expected
  }

  /** A corrected award: nothing of it may have been paid. */
  cancel(t: Trace, seq: number) {
    if (!this.isAward(t.id) || this.unpaid[t.id] !== t.amount)
      fail('ledger_traces', t.id, seq, `award trace ${t.id} was paid before its correction`)
    this.unpaid[t.id] = 0
  }

  /** A corrected payout: its amount is owed on its award again. */
  reopen(t: Trace, seq: number) {
    const parent = t.parent_id!
    if (!this.isAward(parent)) fail('ledger_traces', t.id, seq, `payout trace ${t.id} has no award trace as parent`)
    if (this.unpaid[parent]! <= 0)
      this.heap(this.beneficiary[parent]!, this.currencies[this.currency[parent]!]!).push(parent)
    this.unpaid[parent] = this.unpaid[parent]! + t.amount
  }
}

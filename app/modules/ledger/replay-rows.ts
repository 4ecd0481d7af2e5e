// Row shapes and comparisons shared by the replay (replay.server.ts).
import type { Selectable } from 'kysely'
import type { LedgerLotsTable, LedgerTracesTable, TraceKind } from '../../../db/tables/ledger'
import type { CanonicalRefs } from './hash.server'
import { present } from '../../utils/invariant'

export class VerifyFailure extends Error {
  constructor(
    readonly table: string,
    readonly id: number | undefined,
    readonly sequence: number | undefined,
    message: string,
  ) {
    super(message)
  }
}

export type ReplayTx = {
  sequence: number
  kind: string
  occurredAt: string
  /** Refs with committed references opened (their values), except those withdrawn. */
  refs: CanonicalRefs
  /** Committed keys whose value was withdrawn: the trace rows' own values are taken. */
  withdrawn?: ReadonlySet<string>
  transfers: { id: number; from: string; to: string; amount: number; currency: string }[]
}
export type Trace = Selectable<LedgerTracesTable>
/** A lot as the replay reads it, with its remainder row's columns (null when the row is missing). */
export type Lot = Pick<
  Selectable<LedgerLotsTable>,
  'id' | 'sequence' | 'donation_id' | 'fund' | 'currency' | 'amount' | 'paid_at' | 'source_trace_id'
> & { b_fund: string | null; b_currency: string | null; b_paid_at: string | null; b_remaining: number | null }
export type Expected = {
  kind: TraceKind
  lot_id: number
  amount: number
  currency: string
  beneficiary_id: number | null
  beneficiary_code: string | null
  parent_id: number | null
}

export const lowerId = (a: number, b: number) => a < b
export const bare = (kind: TraceKind, lot: number, amount: number, currency: string): Expected => ({
  kind,
  lot_id: lot,
  amount,
  currency,
  beneficiary_id: null,
  beneficiary_code: null,
  parent_id: null,
})

export const fail = (table: string, id: number | undefined, sequence: number, message: string): never => {
  throw new VerifyFailure(table, id, sequence, `transaction ${sequence}: ${message}`)
}

export function grow<T extends Float64Array | Int32Array>(a: T, need: number): T {
  if (need < a.length) return a
  let size = a.length
  while (size <= need) size *= 2
  const b = new (a.constructor as new (n: number) => T)(size)
  b.set(a)
  return b
}

/** Stored trace rows of one transaction must be exactly the expected ones, in id order. */
export function compareTraces(seq: number, stored: Trace[], expected: Expected[]) {
  for (let i = 0; i < Math.max(stored.length, expected.length); i++) {
    const s = stored[i]
    const e = expected[i]
    if (!s) {
      const missing = present(e, 'the loop runs to the longer list')
      return fail(
        'ledger_traces',
        undefined,
        seq,
        `trace row missing: ${missing.kind} of ${missing.amount} from lot ${missing.lot_id}`,
      )
    }
    if (!e) return fail('ledger_traces', s.id, seq, `trace ${s.id} is not produced by the tracing rule`)
    for (const k of [
      'kind',
      'lot_id',
      'amount',
      'currency',
      'beneficiary_id',
      'beneficiary_code',
      'parent_id',
    ] as const) {
      if (s[k] !== e[k]) fail('ledger_traces', s.id, seq, `trace ${s.id} has ${k} ${s[k]}, the rule gives ${e[k]}`)
    }
  }
}

/** Stored transfers of one transaction must be exactly the ones its kind's rule gives. */
export function expectTransfers(
  tx: ReplayTx,
  expected: { from: string; to: string; amount: number; currency: string }[],
) {
  for (let i = 0; i < Math.max(tx.transfers.length, expected.length); i++) {
    const s = tx.transfers[i]
    const e = expected[i]
    if (!s || !e || s.from !== e.from || s.to !== e.to || s.amount !== e.amount || s.currency !== e.currency) {
      fail('ledger_transfers', s?.id, tx.sequence, `transfer ${i} does not follow the ${tx.kind} rule`)
    }
  }
}

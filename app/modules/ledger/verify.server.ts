// verifyLedger: recompute the hash chain, every balance, every lot and trace from the
// history rows, in batches, and name the first row that disagrees.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { isAccountCode } from './accounts'
import { GENESIS_HASH, canonicalRecord, canonicalRefs, chainHash } from './hash.server'
import { isTransactionKind } from './kinds'
import { Replay, VerifyFailure, type ReplayTx } from './replay.server'

export type VerifyError = { table: string; id?: number; sequence?: number; message: string }
export type VerifyResult = { ok: boolean; transactions: number; head: { sequence: number; hash: string }; firstError?: VerifyError }
export type VerifyOptions = { onProgress?: (done: { transactions: number }) => void; batchSize?: number }

function groupBy<T extends { sequence: number }>(rows: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>()
  for (const r of rows) {
    const list = out.get(r.sequence)
    if (list) list.push(r)
    else out.set(r.sequence, [r])
  }
  return out
}

export async function verifyLedger(db: Kysely<Database>, options: VerifyOptions = {}): Promise<VerifyResult> {
  const batchSize = options.batchSize ?? 5000
  const replay = new Replay(db)
  let sequence = 0
  let hash = GENESIS_HASH
  const result = (firstError?: VerifyError): VerifyResult => ({ ok: !firstError, transactions: sequence, head: { sequence, hash }, firstError })
  try {
    for (;;) {
      const txs = await db.selectFrom('ledger_transactions').selectAll().where('sequence', '>', sequence).orderBy('sequence').limit(batchSize).execute()
      if (!txs.length) break
      const lo = txs[0]!.sequence
      const hi = txs[txs.length - 1]!.sequence
      const inRange = <T extends 'ledger_transfers' | 'ledger_traces' | 'ledger_lots' | 'ledger_donations'>(table: T) =>
        db.selectFrom(table as 'ledger_traces').selectAll().where('sequence', '>=', lo).where('sequence', '<=', hi)
      const transfers = groupBy(await db.selectFrom('ledger_transfers').selectAll().where('sequence', '>=', lo).where('sequence', '<=', hi).orderBy('sequence').orderBy('position').execute())
      const traces = groupBy(await inRange('ledger_traces').orderBy('id').execute())
      const lots = groupBy(await db.selectFrom('ledger_lots').selectAll().where('sequence', '>=', lo).where('sequence', '<=', hi).orderBy('id').execute())
      const donations = groupBy(await db.selectFrom('ledger_donations').selectAll().where('sequence', '>=', lo).where('sequence', '<=', hi).orderBy('id').execute())

      for (const row of txs) {
        const seq = row.sequence
        if (seq !== sequence + 1) return result({ table: 'ledger_transactions', sequence: sequence + 1, message: `transaction ${sequence + 1} is missing (next is ${seq})` })
        const bad = (message: string) => result({ table: 'ledger_transactions', id: seq, sequence: seq, message: `transaction ${seq}: ${message}` })
        if (row.prev_hash !== hash) return bad('prev_hash does not match the previous hash')
        if (!isTransactionKind(row.kind)) return bad(`unknown kind ${row.kind}`)
        const list = transfers.get(seq) ?? []
        if (!list.length) return bad('has no transfers')
        for (const [i, t] of list.entries()) {
          if (t.position !== i || !isAccountCode(t.from_account) || !isAccountCode(t.to_account) || t.amount <= 0 || t.from_account === t.to_account) {
            return result({ table: 'ledger_transfers', id: t.id, sequence: seq, message: `transfer ${t.id} of transaction ${seq} is malformed or out of place` })
          }
        }
        let refs
        try {
          refs = canonicalRefs(JSON.parse(row.refs))
        } catch {
          return bad('refs are not canonical JSON')
        }
        if (JSON.stringify(refs) !== row.refs) return bad('refs are not in canonical form')
        if ((refs.donation ?? null) !== row.donation_ref || (refs.corrects === undefined ? null : Number(refs.corrects)) !== row.corrects) return bad('donation_ref/corrects disagree with refs')
        const tx: ReplayTx = {
          sequence: seq, kind: row.kind, occurredAt: row.occurred_at, refs,
          transfers: list.map((t) => ({ id: t.id, from: t.from_account, to: t.to_account, amount: t.amount, currency: t.currency })),
        }
        if (new Date(Date.parse(row.occurred_at)).toISOString() !== row.occurred_at) return bad('occurred_at is not ISO UTC with milliseconds')
        const expected = chainHash(hash, canonicalRecord(seq, row.kind, row.occurred_at, refs, tx.transfers))
        if (expected !== row.hash) return bad(`hash does not match its record (transfers ${list.map((t) => t.id).join(', ')})`)
        await replay.apply(tx, traces.get(seq) ?? [], lots.get(seq) ?? [], donations.get(seq) ?? [])
        sequence = seq
        hash = row.hash
      }
      options.onProgress?.({ transactions: sequence })
    }
    return result(await checkState(db, replay, sequence, hash))
  } catch (error) {
    if (error instanceof VerifyFailure) return result({ table: error.table, id: error.id, sequence: error.sequence, message: error.message })
    throw error
  }
}

/** The mutable state (head, balances, remainders) must equal what the history gives. */
async function checkState(db: Kysely<Database>, replay: Replay, sequence: number, hash: string): Promise<VerifyError | undefined> {
  const head = await db.selectFrom('ledger_head').selectAll().executeTakeFirst()
  if (!head || head.sequence !== sequence || head.hash !== hash) return { table: 'ledger_head', id: 1, message: `head is ${head?.sequence}/${head?.hash}, history ends at ${sequence}/${hash}` }

  const totals = new Map<string, number>()
  const seen = new Set<string>()
  for (const b of await db.selectFrom('ledger_balances').selectAll().orderBy('account').orderBy('currency').execute()) {
    const key = `${b.account}\u0000${b.currency}`
    seen.add(key)
    const want = replay.balances.get(key) ?? 0
    if (b.balance !== want) return { table: 'ledger_balances', message: `balance of ${b.account} ${b.currency} is ${b.balance}, transfers give ${want}` }
  }
  for (const [key, value] of replay.balances) {
    const [account, currency] = key.split('\u0000')
    if (!seen.has(key) && value !== 0) return { table: 'ledger_balances', message: `balance row of ${account} ${currency} missing (transfers give ${value})` }
    totals.set(currency!, (totals.get(currency!) ?? 0) + value)
  }
  for (const [currency, total] of totals) if (total !== 0) return { table: 'ledger_transfers', message: `books do not net to zero in ${currency}: ${total}` }

  // Lot remainders, streamed in id order against the replayed typed array.
  let checked = 0
  let after = 0
  for (;;) {
    const rows = await db.selectFrom('ledger_lot_balances').selectAll().where('lot_id', '>', after).orderBy('lot_id').limit(20000).execute()
    if (!rows.length) break
    for (const r of rows) {
      if (replay.lotIds[checked] !== r.lot_id) return { table: 'ledger_lot_balances', id: r.lot_id, message: `remainder row for lot ${r.lot_id} has no lot opened in the history` }
      if (r.remaining !== replay.lotRemaining[r.lot_id] || `${r.fund}\u0000${r.currency}` !== replay.lotFundKey(r.lot_id)) {
        return { table: 'ledger_lot_balances', id: r.lot_id, message: `lot ${r.lot_id} shows ${r.remaining} remaining, the history gives ${replay.lotRemaining[r.lot_id]}` }
      }
      checked++
    }
    after = rows[rows.length - 1]!.lot_id
  }
  if (checked !== replay.lotIds.length) return { table: 'ledger_lot_balances', id: replay.lotIds[checked], message: `remainder row for lot ${replay.lotIds[checked]} missing` }

  const open = await db.selectFrom('ledger_trace_balances').selectAll().execute()
  for (const r of open) {
    const want = replay.unpaid.get(r.trace_id)
    if (!want || want.unpaid !== r.unpaid || want.beneficiary !== r.beneficiary_id) return { table: 'ledger_trace_balances', id: r.trace_id, message: `award trace ${r.trace_id} shows ${r.unpaid} unpaid, the history gives ${want?.unpaid}` }
  }
  if (open.length !== replay.unpaid.size) return { table: 'ledger_trace_balances', message: `${replay.unpaid.size - open.length} award remainder rows missing` }

  const counts = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('ledger_traces').select(eb.fn.countAll<number>().as('n')).as('traces'),
      eb.selectFrom('ledger_lots').select(eb.fn.countAll<number>().as('n')).as('lots'),
      eb.selectFrom('ledger_donations').select(eb.fn.countAll<number>().as('n')).as('donations'),
    ])
    .executeTakeFirstOrThrow()
  if (Number(counts.traces) !== replay.traces) return { table: 'ledger_traces', message: `${Number(counts.traces) - replay.traces} trace rows belong to no transaction` }
  if (Number(counts.lots) !== replay.lotIds.length) return { table: 'ledger_lots', message: 'lot rows belong to no transaction' }
  if (Number(counts.donations) !== replay.donations) return { table: 'ledger_donations', message: 'donation rows belong to no transaction' }
  return undefined
}

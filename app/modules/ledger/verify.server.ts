// verifyLedger: recompute the hash chain, every balance, every lot and trace from the
// history rows, in batches, and name the first row that disagrees.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { isAccountCode } from './accounts'
import {
  GENESIS_HASH,
  canonicalRecord,
  canonicalRefs,
  chainHash,
  commitment,
  isCommitment,
  isCommittedKey,
  type CanonicalRefs,
  type RecordVersion,
} from './hash.server'
import { isTransactionKind } from './kinds'
import { Replay, VerifyFailure, type ReplayTx } from './replay.server'
import { checkCopies } from './verify-sql.server'

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const NONE: never[] = []

export type VerifyError = { table: string; id?: number; sequence?: number; message: string }
export type VerifyResult = {
  ok: boolean
  transactions: number
  /** Committed references whose value and salt were withdrawn (accepted by their commitment alone). */
  withdrawn: number
  /** The first sequence of record version 2, if any. */
  version2From?: number
  head: { sequence: number; hash: string }
  firstError?: VerifyError
}
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
  const batchSize = options.batchSize ?? 500
  const replay = new Replay(db)
  let sequence = 0
  let hash = GENESIS_HASH
  let version: RecordVersion = 1
  let withdrawn = 0
  let version2From: number | undefined
  const result = (firstError?: VerifyError): VerifyResult => ({
    ok: !firstError,
    transactions: sequence,
    withdrawn,
    version2From,
    head: { sequence, hash },
    firstError,
  })
  const badTx = (seq: number, message: string) =>
    result({ table: 'ledger_transactions', id: seq, sequence: seq, message: `transaction ${seq}: ${message}` })
  try {
    for (;;) {
      const txs = await db
        .selectFrom('ledger_transactions')
        .select(['sequence', 'version', 'kind', 'occurred_at', 'refs', 'donation_ref', 'corrects', 'prev_hash', 'hash'])
        .where('sequence', '>', sequence)
        .orderBy('sequence')
        .limit(batchSize)
        .execute()
      if (!txs.length) break
      const lo = txs[0]!.sequence
      const hi = txs[txs.length - 1]!.sequence
      const inRange = <T extends 'ledger_transfers' | 'ledger_traces' | 'ledger_lots' | 'ledger_donations'>(table: T) =>
        db
          .selectFrom(table as 'ledger_traces')
          .selectAll()
          .where('sequence', '>=', lo)
          .where('sequence', '<=', hi)
      const transfers = await db
        .selectFrom('ledger_transfers')
        .selectAll()
        .where('sequence', '>=', lo)
        .where('sequence', '<=', hi)
        .orderBy('sequence')
        .orderBy('position')
        .execute()
      const traces = groupBy(await inRange('ledger_traces').orderBy('id').execute())
      const disclosures = groupBy(
        await db
          .selectFrom('ledger_disclosures')
          .selectAll()
          .where('sequence', '>=', lo)
          .where('sequence', '<=', hi)
          .execute(),
      )
      // Each lot with its remainder, integers only (text columns are checked set-wise in verify-sql).
      const lots = (
        await db
          .selectFrom('ledger_lots as l')
          .leftJoin('ledger_lot_balances as b', 'b.lot_id', 'l.id')
          .select([
            'l.id',
            'l.sequence',
            'l.donation_id',
            'l.amount',
            'l.source_trace_id',
            'b.remaining as b_remaining',
          ])
          .where('l.sequence', '>=', lo)
          .where('l.sequence', '<=', hi)
          .orderBy('l.id')
          .execute()
      ).sort((a, b) => a.sequence - b.sequence || a.id - b.id)
      let ti = 0
      let li = 0

      for (const row of txs) {
        const seq = row.sequence
        if (seq !== sequence + 1)
          return result({
            table: 'ledger_transactions',
            sequence: sequence + 1,
            message: `transaction ${sequence + 1} is missing (next is ${seq})`,
          })
        if (row.prev_hash !== hash) return badTx(seq, 'prev_hash does not match the previous hash')
        if (!isTransactionKind(row.kind)) return badTx(seq, `unknown kind ${row.kind}`)
        // Rows come sorted by sequence: take this transaction's run of each.
        while (ti < transfers.length && transfers[ti]!.sequence < seq) ti++
        const from = ti
        while (ti < transfers.length && transfers[ti]!.sequence === seq) ti++
        const list = transfers.slice(from, ti)
        while (li < lots.length && lots[li]!.sequence < seq) li++
        const lotFrom = li
        while (li < lots.length && lots[li]!.sequence === seq) li++
        if (!list.length) return badTx(seq, 'has no transfers')
        for (const [i, t] of list.entries()) {
          if (
            t.position !== i ||
            !isAccountCode(t.from_account) ||
            !isAccountCode(t.to_account) ||
            t.amount <= 0 ||
            t.from_account === t.to_account
          ) {
            return result({
              table: 'ledger_transfers',
              id: t.id,
              sequence: seq,
              message: `transfer ${t.id} of transaction ${seq} is malformed or out of place`,
            })
          }
        }
        let refs
        try {
          refs = canonicalRefs(JSON.parse(row.refs))
        } catch {
          return badTx(seq, 'refs are not canonical JSON')
        }
        if (JSON.stringify(refs) !== row.refs) return badTx(seq, 'refs are not in canonical form')
        if (row.version !== 1 && row.version !== 2) return badTx(seq, `unknown record version ${row.version}`)
        if (row.version < version) return badTx(seq, `record version ${row.version} after version ${version}`)
        if (row.version === 2 && version === 1) version2From = seq
        version = row.version
        const opened = openCommitments(row.version, refs, disclosures.get(seq) ?? NONE)
        if (typeof opened === 'string') return badTx(seq, opened)
        withdrawn += opened.withdrawn.size
        if (!ISO_MS.test(row.occurred_at) || Number.isNaN(Date.parse(row.occurred_at)))
          return badTx(seq, 'occurred_at is not ISO UTC with milliseconds')
        if (
          (refs.donation ?? null) !== row.donation_ref ||
          (refs.corrects === undefined ? null : Number(refs.corrects)) !== row.corrects
        )
          return badTx(seq, 'donation_ref/corrects disagree with refs')
        const tx: ReplayTx = {
          sequence: seq,
          kind: row.kind,
          occurredAt: row.occurred_at,
          refs: opened.refs,
          withdrawn: opened.withdrawn,
          transfers: list.map((t) => ({
            id: t.id,
            from: t.from_account,
            to: t.to_account,
            amount: t.amount,
            currency: t.currency,
          })),
        }
        const expected = chainHash(
          hash,
          canonicalRecord(seq, row.kind, row.occurred_at, refs, tx.transfers, row.version),
        )
        if (expected !== row.hash)
          return badTx(seq, `hash does not match its record (transfers ${list.map((t) => t.id).join(', ')})`)
        const pending = replay.apply(tx, traces.get(seq) ?? NONE, lotFrom === li ? NONE : lots.slice(lotFrom, li))
        if (pending) await pending
        sequence = seq
        hash = row.hash
      }
      options.onProgress?.({ transactions: sequence })
    }
    return result((await checkCopies(db)) ?? (await checkState(db, replay, sequence, hash)))
  } catch (error) {
    if (error instanceof VerifyFailure)
      return result({ table: error.table, id: error.id, sequence: error.sequence, message: error.message })
    throw error
  }
}

/**
 * The commitment invariant (hash.server.ts): a version-1 record has no disclosures; a
 * version-2 record carries no committed reference in the clear, each committed key holds
 * a commitment with exactly one disclosure, and each disclosure either opens its
 * commitment or is withdrawn (value and salt both gone). Returns the refs with opened
 * values in place (what the replay reads), or what is wrong.
 */
function openCommitments(
  version: number,
  refs: CanonicalRefs,
  rows: { key: string; value: string | null; salt: string | null }[],
): { refs: CanonicalRefs; withdrawn: Set<string> } | string {
  const withdrawn = new Set<string>()
  if (version === 1) return rows.length ? 'a version-1 record has disclosures' : { refs, withdrawn }
  const out: CanonicalRefs = { ...refs }
  const seen = new Set<string>()
  for (const d of rows) {
    if (!isCommittedKey(d.key) || refs[d.key] === undefined || seen.has(d.key))
      return `disclosure ${d.key} names no commitment of the record`
    seen.add(d.key)
    if (d.value === null || d.salt === null) {
      if (d.value !== d.salt) return `disclosure ${d.key} has a value without its salt`
      withdrawn.add(d.key)
      continue
    }
    if (commitment(d.key, d.value, d.salt) !== refs[d.key]) return `disclosure ${d.key} does not open its commitment`
    out[d.key] = d.value
  }
  for (const [key, value] of Object.entries(refs))
    if (isCommittedKey(key) && (!isCommitment(value) || !seen.has(key)))
      return `${key} is not committed (version 2 carries no ${key} in the clear)`
  return { refs: out, withdrawn }
}

/** The mutable state (head, balances, remainders) must equal what the history gives. */
async function checkState(
  db: Kysely<Database>,
  replay: Replay,
  sequence: number,
  hash: string,
): Promise<VerifyError | undefined> {
  const head = await db.selectFrom('ledger_head').selectAll().executeTakeFirst()
  if (!head || head.sequence !== sequence || head.hash !== hash)
    return {
      table: 'ledger_head',
      id: 1,
      message: `head is ${head?.sequence}/${head?.hash}, history ends at ${sequence}/${hash}`,
    }

  const totals = new Map<string, number>()
  const seen = new Set<string>()
  for (const b of await db.selectFrom('ledger_balances').selectAll().orderBy('account').orderBy('currency').execute()) {
    seen.add(`${b.account}\u0000${b.currency}`)
    const want = replay.balances.get(b.account)?.get(b.currency) ?? 0
    if (b.balance !== want)
      return {
        table: 'ledger_balances',
        message: `balance of ${b.account} ${b.currency} is ${b.balance}, transfers give ${want}`,
      }
  }
  for (const [account, byCurrency] of replay.balances) {
    for (const [currency, value] of byCurrency) {
      if (!seen.has(`${account}\u0000${currency}`) && value !== 0)
        return {
          table: 'ledger_balances',
          message: `balance row of ${account} ${currency} missing (transfers give ${value})`,
        }
      totals.set(currency, (totals.get(currency) ?? 0) + value)
    }
  }
  for (const [currency, total] of totals)
    if (total !== 0) return { table: 'ledger_transfers', message: `books do not net to zero in ${currency}: ${total}` }

  // Lot remainders: each lot's row was read beside the lot; compare with the replay, then count.
  for (const id of replay.lotIds) {
    if (replay.storedRemaining[id] !== replay.lotRemaining[id]) {
      return {
        table: 'ledger_lot_balances',
        id,
        message: `lot ${id} shows ${replay.storedRemaining[id]} remaining, the history gives ${replay.lotRemaining[id]}`,
      }
    }
  }
  const remainders = await db
    .selectFrom('ledger_lot_balances')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  if (Number(remainders.n) !== replay.lotIds.length)
    return {
      table: 'ledger_lot_balances',
      message: `${Number(remainders.n) - replay.lotIds.length} remainder rows belong to no lot`,
    }

  // Award remainders, in pages, against the replay.
  let rows = 0
  for (let after = 0; ;) {
    const page = await db
      .selectFrom('ledger_trace_balances')
      .selectAll()
      .where('trace_id', '>', after)
      .orderBy('trace_id')
      .limit(5000)
      .execute()
    if (!page.length) break
    for (const r of page) {
      if (
        !replay.isAward(r.trace_id) ||
        replay.awardUnpaid[r.trace_id] !== r.unpaid ||
        replay.awardBeneficiary[r.trace_id] !== r.beneficiary_id
      ) {
        return {
          table: 'ledger_trace_balances',
          id: r.trace_id,
          message: `award trace ${r.trace_id} shows ${r.unpaid} unpaid, the history gives ${replay.isAward(r.trace_id) ? replay.awardUnpaid[r.trace_id] : 'no award'}`,
        }
      }
    }
    rows += page.length
    after = page[page.length - 1]!.trace_id
  }
  if (rows !== replay.awards)
    return { table: 'ledger_trace_balances', message: `${replay.awards - rows} award remainder rows missing` }

  const counts = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('ledger_traces').select(eb.fn.countAll<number>().as('n')).as('traces'),
      eb.selectFrom('ledger_lots').select(eb.fn.countAll<number>().as('n')).as('lots'),
    ])
    .executeTakeFirstOrThrow()
  if (Number(counts.traces) !== replay.traces)
    return {
      table: 'ledger_traces',
      message: `${Number(counts.traces) - replay.traces} trace rows belong to no transaction`,
    }
  if (Number(counts.lots) !== replay.lotIds.length)
    return { table: 'ledger_lots', message: 'lot rows belong to no transaction' }
  return undefined
}

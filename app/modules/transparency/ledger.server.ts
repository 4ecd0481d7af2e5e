// The public ledger: every transaction newest first, keyset pagination on sequence
// (an index range scan whatever the depth), filters by kind, account and date.
// Only the public projection is read: never idempotency keys or request digests.
import { expressionBuilder, type Expression, type Kysely, type SqlBool } from 'kysely'
import type { Database } from '../../../db/schema'
import type { LedgerTransactionsTable } from '../../../db/tables/ledger'
import { disclosuresOf, openRefs } from '../ledger'
import { publishedDonorName } from '../ledger/disclosures.server'

type Db = Kysely<Database>

export type LedgerFilter = {
  kind?: string
  /** An account code (a fund, or a campaign's fund). */
  account?: string
  /** Inclusive ISO bounds on occurred_at. */
  from?: string
  to?: string
}
export type PublicTransfer = { position: number; from: string; to: string; amount: number; currency: string }
export type PublicTransaction = {
  sequence: number
  kind: string
  occurredAt: string
  /** Refs as people read them: committed references opened (left out once withdrawn). */
  refs: Record<string, string>
  /** Record version; in version 2 `commitments` holds what the hash covers for those refs. */
  version: number
  commitments: Record<string, string>
  prevHash: string
  hash: string
  transfers: PublicTransfer[]
}
export type LedgerPage = { rows: PublicTransaction[]; older: number | null; newer: number | null }

const TX_COLUMNS = ['x.sequence', 'x.kind', 'x.occurred_at', 'x.refs', 'x.prev_hash', 'x.hash', 'x.version'] as const

/** Sequences of one page: below `before` (older pages) or above `after` (newer pages). */
async function pageSequences(
  db: Db,
  f: LedgerFilter,
  cursor: { before?: number; after?: number },
  take: number,
): Promise<number[]> {
  const asc = cursor.after !== undefined
  // The same conditions on both query shapes: typed against the transactions table aliased x.
  const eb = expressionBuilder<{ x: LedgerTransactionsTable }, 'x'>()
  const conditions: Expression<SqlBool>[] = []
  if (cursor.before !== undefined) conditions.push(eb('x.sequence', '<', cursor.before))
  if (cursor.after !== undefined) conditions.push(eb('x.sequence', '>', cursor.after))
  if (f.kind) conditions.push(eb('x.kind', '=', f.kind))
  if (f.from) conditions.push(eb('x.occurred_at', '>=', f.from))
  if (f.to) conditions.push(eb('x.occurred_at', '<=', f.to))
  if (!f.account) {
    let q = db.selectFrom('ledger_transactions as x').select('x.sequence')
    for (const c of conditions) q = q.where(c)
    const rows = await q
      .orderBy('x.sequence', asc ? 'asc' : 'desc')
      .limit(take)
      .execute()
    return rows.map((r) => Number(r.sequence))
  }
  // Two index range scans (money out of the account, money into it), merged.
  const account = f.account
  const side = async (column: 'f.from_account' | 'f.to_account') => {
    let q = db
      .selectFrom('ledger_transfers as f')
      .innerJoin('ledger_transactions as x', 'x.sequence', 'f.sequence')
      .select('f.sequence')
      .where(column, '=', account)
    for (const c of conditions) q = q.where(c)
    const rows = await q
      .orderBy('f.sequence', asc ? 'asc' : 'desc')
      .limit(take * 2)
      .execute()
    return rows.map((r) => Number(r.sequence))
  }
  const [a, b] = await Promise.all([side('f.from_account'), side('f.to_account')])
  const merged = [...new Set([...a, ...b])].sort((x, y) => (asc ? x - y : y - x))
  return merged.slice(0, take)
}

async function withTransfers(db: Db, sequences: number[]): Promise<PublicTransaction[]> {
  if (!sequences.length) return []
  const [txs, transfers] = await Promise.all([
    db.selectFrom('ledger_transactions as x').select(TX_COLUMNS).where('x.sequence', 'in', sequences).execute(),
    db
      .selectFrom('ledger_transfers')
      .select(['sequence', 'position', 'from_account', 'to_account', 'amount', 'currency'])
      .where('sequence', 'in', sequences)
      .orderBy('sequence')
      .orderBy('position')
      .execute(),
  ])
  const bySeq = new Map<number, PublicTransfer[]>()
  for (const t of transfers) {
    const list = bySeq.get(Number(t.sequence)) ?? []
    list.push({ position: t.position, from: t.from_account, to: t.to_account, amount: t.amount, currency: t.currency })
    bySeq.set(Number(t.sequence), list)
  }
  const disclosed = await disclosuresOf(
    db,
    txs.filter((x) => x.version === 2).map((x) => Number(x.sequence)),
  )
  const out = txs.map((x) => {
    const refs = JSON.parse(x.refs) as Record<string, string>
    const d = disclosed.get(Number(x.sequence))
    return {
      sequence: Number(x.sequence),
      kind: x.kind,
      occurredAt: x.occurred_at,
      refs: openRefs(refs, d),
      version: x.version,
      commitments: d ? Object.fromEntries(Object.keys(d).map((k) => [k, refs[k]!])) : {},
      prevHash: x.prev_hash,
      hash: x.hash,
      transfers: bySeq.get(Number(x.sequence)) ?? [],
    }
  })
  return out.sort((a, b) => b.sequence - a.sequence)
}

/** One page, newest first. `before` pages towards older transactions, `after` towards newer ones. */
export async function listTransactions(
  db: Db,
  input: LedgerFilter & { before?: number; after?: number; limit?: number },
): Promise<LedgerPage> {
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200)
  const seqs = await pageSequences(db, input, { before: input.before, after: input.after }, limit + 1)
  const more = seqs.length > limit
  const page = seqs.slice(0, limit)
  const rows = await withTransfers(db, page)
  if (input.after !== undefined) {
    // Walking towards newer rows: there is always an older page (the one we came from).
    return { rows, older: rows.at(-1)?.sequence ?? null, newer: more ? (rows[0]?.sequence ?? null) : null }
  }
  return {
    rows,
    older: more ? (rows.at(-1)?.sequence ?? null) : null,
    newer: input.before !== undefined && rows.length ? rows[0]!.sequence : null,
  }
}

export type TraceRow = {
  id: number
  kind: string
  lot: number
  donation: string
  amount: number
  currency: string
  beneficiary: string | null
  parent: number | null
}
export type TransactionDetail = PublicTransaction & {
  traces: TraceRow[]
  donation: { ref: string; displayName: string; fund: string; gross: number; fee: number; currency: string } | null
  previous: number | null
  next: number | null
}

/** One transaction with its transfers and trace rows (which donation's money went where). */
export async function getTransaction(db: Db, sequence: number): Promise<TransactionDetail | undefined> {
  const [tx] = await withTransfers(db, [sequence])
  if (!tx) return undefined
  const [traces, donation, head] = await Promise.all([
    db
      .selectFrom('ledger_traces as t')
      .innerJoin('ledger_lots as l', 'l.id', 't.lot_id')
      .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
      .select([
        't.id',
        't.kind',
        't.lot_id',
        'd.donation_ref',
        't.amount',
        't.currency',
        't.beneficiary_code',
        't.parent_id',
      ])
      .where('t.sequence', '=', sequence)
      .orderBy('t.id')
      .execute(),
    db
      .selectFrom('ledger_donations')
      .select(['donation_ref', 'display_name', 'fund', 'gross', 'fee', 'currency', 'sequence'])
      .where('sequence', '=', sequence)
      .executeTakeFirst(),
    db.selectFrom('ledger_head').select('sequence').where('id', '=', 1).executeTakeFirstOrThrow(),
  ])
  return {
    ...tx,
    traces: traces.map((t) => ({
      id: Number(t.id),
      kind: t.kind,
      lot: Number(t.lot_id),
      donation: t.donation_ref,
      amount: t.amount,
      currency: t.currency,
      beneficiary: t.beneficiary_code,
      parent: t.parent_id === null ? null : Number(t.parent_id),
    })),
    donation: donation
      ? {
          ref: donation.donation_ref,
          displayName: await publishedDonorName(db, donation),
          fund: donation.fund,
          gross: donation.gross,
          fee: donation.fee,
          currency: donation.currency,
        }
      : null,
    previous: sequence > 1 ? sequence - 1 : null,
    next: sequence < Number(head.sequence) ? sequence + 1 : null,
  }
}

/** Public names of the accounts on a page: funds by name, students by their pseudonymous code. */
export async function accountNames(
  db: Db,
  codes: string[],
  fundName: (code: string) => string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const students = [...new Set(codes.filter((c) => c.startsWith('payable:') || c.startsWith('paid:')))]
  if (students.length) {
    for (const r of await db
      .selectFrom('ledger_accounts')
      .select(['code', 'name'])
      .where('code', 'in', students)
      .execute())
      out[r.code] = r.name
  }
  for (const c of codes) out[c] ??= fundName(c)
  return out
}

// post(): the one writer of transactions, transfers and balances. Callers own the
// database transaction so they can compose a posting with their own writes.
import { sql, type Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { dialectOf } from '../../utils/db.server'
import { accountKind, defaultAccountName, isAccountCode, isGuarded } from './accounts'
import { IdempotencyConflictError, InsufficientFundsError, LedgerInputError } from './errors'
import { canonicalRecord, canonicalRefs, chainHash, digestOf, normaliseTime, type CanonicalRefs, type Refs } from './hash.server'
import { isTransactionKind, type TransactionKind } from './kinds'

export type Trx = Kysely<Database>
export type Transfer = { from: string; to: string; amount: number; currency: string }
export type PostInput = {
  idempotencyKey: string
  kind: TransactionKind
  transfers: Transfer[]
  refs?: Refs
  occurredAt: string
}
export type Posted = { transactionId: number; sequence: number; hash: string; created: boolean }
export type Head = { sequence: number; hash: string }

const CURRENCY = /^[A-Z]{3}$/

/** Run fn in a database transaction (BEGIN IMMEDIATE on SQLite). */
export function inTransaction<T>(db: Kysely<Database>, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn)
}

/**
 * Take the ledger's single write lock: the chain-head row, FOR UPDATE on PostgreSQL
 * (SQLite's BEGIN IMMEDIATE already holds the database write lock). Everything that
 * posts takes it first, so sequence numbers are gapless and lot draws never race.
 */
export async function lockHead(trx: Trx): Promise<Head> {
  if (!trx.isTransaction) throw new LedgerInputError('ledger postings must run inside a database transaction')
  let query = trx.selectFrom('ledger_head').select(['sequence', 'hash']).where('id', '=', 1)
  if (dialectOf(trx) === 'postgres') query = query.forUpdate()
  return query.executeTakeFirstOrThrow()
}

/** An earlier posting under this key: the same request returns it, a different one is refused. */
export async function replayed(trx: Trx, idempotencyKey: string, digest: string): Promise<Posted | undefined> {
  const row = await trx
    .selectFrom('ledger_transactions')
    .select(['sequence', 'hash', 'request_digest'])
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst()
  if (!row) return undefined
  if (row.request_digest !== digest) throw new IdempotencyConflictError(idempotencyKey)
  return { transactionId: row.sequence, sequence: row.sequence, hash: row.hash, created: false }
}

export type Prepared = { idempotencyKey: string; kind: TransactionKind; transfers: Transfer[]; refs: CanonicalRefs; occurredAt: string }

/** Validate and normalise a posting; throws LedgerInputError. */
export function preparePosting(input: PostInput): Prepared {
  if (!input.idempotencyKey || input.idempotencyKey.length > 200) throw new LedgerInputError('idempotency key must be 1–200 characters')
  if (!isTransactionKind(input.kind)) throw new LedgerInputError(`unknown transaction kind: ${input.kind}`)
  if (!input.transfers.length) throw new LedgerInputError('a transaction needs at least one transfer')
  for (const t of input.transfers) {
    if (!isAccountCode(t.from) || !isAccountCode(t.to)) throw new LedgerInputError(`bad account in transfer ${t.from} → ${t.to}`)
    if (t.from === t.to) throw new LedgerInputError(`transfer from ${t.from} to itself`)
    if (!Number.isSafeInteger(t.amount) || t.amount <= 0) throw new LedgerInputError(`transfer amount must be a positive integer of minor units, got ${t.amount}`)
    if (!CURRENCY.test(t.currency)) throw new LedgerInputError(`bad currency ${t.currency}`)
  }
  return {
    idempotencyKey: input.idempotencyKey,
    kind: input.kind,
    transfers: input.transfers.map(({ from, to, amount, currency }) => ({ from, to, amount, currency })),
    refs: canonicalRefs(input.refs),
    occurredAt: normaliseTime(input.occurredAt),
  }
}

/** Post a transaction (see PostInput). Idempotent on idempotencyKey. */
export async function post(trx: Trx, input: PostInput): Promise<Posted> {
  const p = preparePosting(input)
  const head = await lockHead(trx)
  const digest = digestOf({ kind: p.kind, occurredAt: p.occurredAt, refs: p.refs, transfers: p.transfers })
  return (await replayed(trx, p.idempotencyKey, digest)) ?? writePosting(trx, head, p, digest)
}

/**
 * Create an account with its public name (a campaign title, a student's public code),
 * or leave an existing one as it is. Accounts first seen in a posting otherwise get a
 * default name, so call this before the first posting to a sponsorship or wish fund.
 */
export async function ensureAccount(trx: Kysely<Database>, input: { code: string; name: string }): Promise<void> {
  if (!isAccountCode(input.code)) throw new LedgerInputError(`not a ledger account code: ${input.code}`)
  const name = input.name.trim()
  if (!name || name.length > 200) throw new LedgerInputError('account name must be 1–200 characters')
  await trx
    .insertInto('ledger_accounts')
    .values({ code: input.code, kind: accountKind(input.code), name, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('code').doNothing())
    .execute()
}

/** Signed change per account and currency. */
function deltasOf(transfers: Transfer[]): Map<string, { account: string; currency: string; delta: number }> {
  const deltas = new Map<string, { account: string; currency: string; delta: number }>()
  const add = (account: string, currency: string, d: number) => {
    const key = `${account}\u0000${currency}`
    const entry = deltas.get(key) ?? { account, currency, delta: 0 }
    entry.delta += d
    deltas.set(key, entry)
  }
  for (const t of transfers) {
    add(t.from, t.currency, -t.amount)
    add(t.to, t.currency, t.amount)
  }
  return deltas
}

/**
 * Check, then write: every check (balances never negative) runs before the first
 * write, so a caller that catches InsufficientFundsError keeps a clean transaction.
 * The caller must already hold lockHead().
 */
export type AccountNames = Record<string, string> | ((code: string) => Promise<string | undefined>)

export async function writePosting(trx: Trx, head: Head, p: Prepared, digest: string, names: AccountNames = {}): Promise<Posted> {
  const deltas = [...deltasOf(p.transfers).values()].sort((a, b) =>
    a.account < b.account ? -1 : a.account > b.account ? 1 : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0,
  )
  // Balance rows locked in one consistent (sorted) order, so concurrent posters never deadlock.
  let query = trx
    .selectFrom('ledger_balances')
    .select(['account', 'currency', 'balance'])
    .where((eb) => eb.or(deltas.map((d) => eb.and([eb('account', '=', d.account), eb('currency', '=', d.currency)]))))
    .orderBy('account')
    .orderBy('currency')
  if (dialectOf(trx) === 'postgres') query = query.forUpdate()
  const current = new Map((await query.execute()).map((r) => [`${r.account}\u0000${r.currency}`, r.balance]))
  for (const d of deltas) {
    const available = current.get(`${d.account}\u0000${d.currency}`) ?? 0
    if (isGuarded(d.account) && available + d.delta < 0) throw new InsufficientFundsError(d.account, d.currency, available, -d.delta)
  }

  const codes = [...new Set(deltas.map((d) => d.account))]
  const known = new Set((await trx.selectFrom('ledger_accounts').select('code').where('code', 'in', codes).execute()).map((r) => r.code))
  const missing = codes.filter((c) => !known.has(c))
  if (missing.length) {
    const now = new Date().toISOString()
    const rows = []
    for (const code of missing) {
      const name = typeof names === 'function' ? await names(code) : names[code]
      rows.push({ code, kind: accountKind(code), name: name ?? defaultAccountName(code), created_at: now })
    }
    await trx.insertInto('ledger_accounts').values(rows).execute()
  }

  const sequence = head.sequence + 1
  const record = canonicalRecord(sequence, p.kind, p.occurredAt, p.refs, p.transfers)
  const hash = chainHash(head.hash, record)
  const recordedAt = new Date().toISOString()
  await trx
    .insertInto('ledger_transactions')
    .values({
      sequence,
      idempotency_key: p.idempotencyKey,
      kind: p.kind,
      occurred_at: p.occurredAt,
      recorded_at: recordedAt,
      refs: JSON.stringify(p.refs),
      donation_ref: p.refs.donation ?? null,
      corrects: p.refs.corrects !== undefined ? Number(p.refs.corrects) : null,
      request_digest: digest,
      prev_hash: head.hash,
      hash,
    })
    .execute()
  await trx
    .insertInto('ledger_transfers')
    .values(p.transfers.map((t, position) => ({ sequence, position, from_account: t.from, to_account: t.to, amount: t.amount, currency: t.currency })))
    .execute()
  const fresh = deltas.filter((d) => !current.has(`${d.account}\u0000${d.currency}`))
  if (fresh.length) {
    await trx.insertInto('ledger_balances').values(fresh.map((d) => ({ account: d.account, currency: d.currency, balance: d.delta }))).execute()
  }
  // Existing balance rows change in one statement (one CASE arm per account and currency).
  const changed = deltas.filter((d) => d.delta !== 0 && current.has(`${d.account}\u0000${d.currency}`))
  if (changed.length) {
    const arms = sql.join(changed.map((d) => sql`when account = ${d.account} and currency = ${d.currency} then ${d.delta}`), sql` `)
    await trx
      .updateTable('ledger_balances')
      .set({ balance: sql`balance + case ${arms} else 0 end` })
      .where((eb) => eb.or(changed.map((d) => eb.and([eb('account', '=', d.account), eb('currency', '=', d.currency)]))))
      .execute()
  }
  await trx.updateTable('ledger_head').set({ sequence, hash, updated_at: recordedAt }).where('id', '=', 1).execute()
  head.sequence = sequence
  head.hash = hash
  return { transactionId: sequence, sequence, hash, created: true }
}

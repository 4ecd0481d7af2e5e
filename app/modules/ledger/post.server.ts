// post(): the one writer of transactions, transfers and balances. Callers own the
// database transaction so they can compose a posting with their own writes.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { dialectOf } from '../../utils/db.server'
import { accountKind, isAccountCode } from './accounts'
import { writePostings, type AccountNames } from './write.server'
import { IdempotencyConflictError, LedgerInputError } from './errors'
import { canonicalRefs, digestOf, normaliseTime, type CanonicalRefs, type Refs } from './hash.server'
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

export type Prepared = {
  idempotencyKey: string
  kind: TransactionKind
  transfers: Transfer[]
  refs: CanonicalRefs
  occurredAt: string
}

/** Validate and normalise a posting; throws LedgerInputError. */
export function preparePosting(input: PostInput): Prepared {
  if (!input.idempotencyKey || input.idempotencyKey.length > 200)
    throw new LedgerInputError('idempotency key must be 1–200 characters')
  if (!isTransactionKind(input.kind)) throw new LedgerInputError(`unknown transaction kind: ${input.kind}`)
  if (!input.transfers.length) throw new LedgerInputError('a transaction needs at least one transfer')
  for (const t of input.transfers) {
    if (!isAccountCode(t.from) || !isAccountCode(t.to))
      throw new LedgerInputError(`bad account in transfer ${t.from} → ${t.to}`)
    if (t.from === t.to) throw new LedgerInputError(`transfer from ${t.from} to itself`)
    if (!Number.isSafeInteger(t.amount) || t.amount <= 0)
      throw new LedgerInputError(`transfer amount must be a positive integer of minor units, got ${t.amount}`)
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

/**
 * Post a transaction (see PostInput). Idempotent on idempotencyKey. Low level: it writes
 * the transaction, transfers and balances only. Money in or out of a fund also moves
 * lots and traces, so use the domain commands (postDonation, postAward, …) for those —
 * verifyLedger flags a fund movement whose lots and traces do not follow the rule.
 */
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

/** Write one posting; the caller must already hold lockHead(). */
export async function writePosting(
  trx: Trx,
  head: Head,
  p: Prepared,
  digest: string,
  names: AccountNames = {},
): Promise<Posted> {
  return (await writePostings(trx, head, [{ p, digest }], names))[0]!
}

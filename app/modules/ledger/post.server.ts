// The one posting path. Every ledger command (donation, refund, dispute, award, payout,
// fund transfer, correction, the raw post) is a Command: its kind, key and time, what was
// asked, and a plan. postCommands() owns the sequence, for one command or a batch:
//   1. prepare   validate and normalise (LedgerInputError: bad input, nothing written);
//   2. lock      the chain head, the ledger's single write lock (lockHead);
//   3. digest    the request, by the one recipe (requestDigest in hash.server.ts);
//   4. replayed? same key + same digest → the earlier transaction (created: false);
//                same key + other digest → IdempotencyConflictError;
//   5. plan      each new command, in order, under the lock: it reads what it needs and
//                says what to write — transfers, lots drawn (one LotDraws, so a batch's
//                awards see each other's draws), trace rows, and its own rows;
//   6. write     check, then write (write.server.ts): balances never negative
//                (InsufficientFundsError before any write), transactions, transfers, the
//                hash chain; then the draws, the traces, each command's own rows.
// Callers own the database transaction, so they compose a posting with their own writes.
// A broken invariant is a bug (InvariantError, 500), never a refusal.
//
// Throughput (issue 20). The head is the ledger's one write lock, held to commit, so what
// a fulfilment costs under it is what bounds fulfilments per second, on every process
// together. Measured (tests/bench/fulfil-profile.ts): alone, one webhook fulfilment is 30
// statements, 26 of them after the head (event claim, donation move, posting, lots,
// matching, receipt number, receipt, mail job); on PostgreSQL each is a round trip.
// So fulfilments use group commit (group-commit.server.ts): an app process gathers those
// arriving within FULFIL_BATCH_WAIT_MS (up to FULFIL_BATCH_MAX) and runs them in one
// transaction, which takes the head first and only then the queued items, so those that
// came while another process held the head join it. Plain paid checkouts of a batch run
// together (donations/fulfil-many.server.ts): one multi-row statement per table for all
// of them (postDonations here, issueReceipts, queueEmails), ~25 statements per batch
// whatever its size, and the head moves once, onto the last transaction (its trigger
// checks every one in between is there and linked). Every other item — a matched gift, a
// refund, a subscription — and any item the unit declines runs its own statements in a
// savepoint of its own; a unit or item that fails rolls back to its savepoint and is rerun
// alone, so its caller gets its own error and no other item fails. Items are idempotent
// (event claim, ledger keys), so a rerun after an unclear commit is safe. Sequences stay
// gapless because one transaction at a time holds the head, and receipt numbers because a
// rolled-back item's number is rolled back with it.
// Lock order, kept by every transaction that posts and moves a donation: the head first,
// then donation rows and day totals (webhook batches, offline gifts, refund booking), so
// a batch holding the head never waits on a row held by someone waiting for the head.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { dialectOf } from '../../utils/db.server'
import { invariant, present } from '../../utils/invariant'
import { accountKind, isAccountCode, isFund } from './accounts'
import { IdempotencyConflictError, LedgerInputError } from './errors'
import { canonicalRefs, normaliseTime, requestDigest, type CanonicalRefs, type Refs } from './hash.server'
import { isTransactionKind, type TransactionKind } from './kinds'
import { applyDraws, insertTraces, LotDraws, type Draw, type TraceRow } from './lots.server'
import { chunks, writePostings, type AccountNames } from './write.server'

export type Trx = Kysely<Database>
export type Transfer = { from: string; to: string; amount: number; currency: string }
export type PostInput = {
  idempotencyKey: string
  kind: TransactionKind
  transfers: Transfer[]
  refs?: Refs
  occurredAt: string
}
export type Posted = {
  transactionId: number
  sequence: number
  hash: string
  created: boolean
  /** The refs as hashed (committed references as commitments), for a new transaction. */
  refs?: CanonicalRefs
}
export type Head = { sequence: number; hash: string }
/** The content of one transaction: its transfers and public references. */
export type Posting = { transfers: Transfer[]; refs?: Refs }

/** What one new command writes, planned under the head lock before anything is written. */
export type Plan = {
  /** The transfers and refs, unless the command's posting is fixed by its input. */
  posting?: Posting
  /** Public names for accounts this posting may create. */
  names?: AccountNames
  /** Lots drawn, planned with the batch's LotDraws. */
  draws?: Draw[]
  /** Trace rows in order; every award trace also opens an unpaid trace balance. */
  traces?: Omit<TraceRow, 'sequence'>[]
  /** The command's own rows, written last (trace ids in the order of `traces`). */
  after?: (posted: Posted, traceIds: number[]) => Promise<void>
}

export type Command = {
  idempotencyKey: string
  kind: TransactionKind
  occurredAt: string
  /** The posting, when the input alone fixes it: then the request digest covers it. */
  posting?: Posting
  /** Otherwise what was asked (the input's fields): the request digest covers these. */
  asked?: Record<string, unknown>
  /** Called only for a request not seen before, in batch order, under the head lock. */
  plan: (ctx: { trx: Trx; lots: LotDraws }) => Promise<Plan>
}

/**
 * Kinds that may share a batch (of one kind): an award's plan reads lots and balances only,
 * which LotDraws and the batch check see; a donation's reads nothing another donation of
 * the batch writes, and raises its fund by gross − fee ≥ 0, so no balance dips mid-batch.
 */
const BATCHABLE: ReadonlySet<TransactionKind> = new Set(['award', 'donation'])
/** Kinds whose lot draws are exactly the money they take out of funds (the tracing rule). */
const DRAWING: ReadonlySet<TransactionKind> = new Set([
  'award',
  'refund',
  'dispute',
  'fund_transfer',
  'match',
  'match_return',
])
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
  // A caller's mistake rather than an impossible state, and answered as one (tests pin it).
  if (!trx.isTransaction) throw new LedgerInputError('ledger postings must run inside a database transaction')
  let query = trx.selectFrom('ledger_head').select(['sequence', 'hash']).where('id', '=', 1)
  if (dialectOf(trx) === 'postgres') query = query.forUpdate()
  return present(await query.executeTakeFirst(), 'the ledger head row (created by the ledger migration)')
}

export type Prepared = {
  idempotencyKey: string
  kind: TransactionKind
  transfers: Transfer[]
  refs: CanonicalRefs
  occurredAt: string
}

function checkKey(idempotencyKey: string) {
  if (!idempotencyKey || idempotencyKey.length > 200)
    throw new LedgerInputError('idempotency key must be 1–200 characters')
}

/** Validate and normalise a posting; throws LedgerInputError. */
export function preparePosting(input: PostInput): Prepared {
  checkKey(input.idempotencyKey)
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

/** Earlier transactions under these keys. */
async function earlierPostings(trx: Trx, keys: string[]) {
  const out = new Map<string, { sequence: number; hash: string; request_digest: string }>()
  for (const part of chunks(keys, 500)) {
    const rows = await trx
      .selectFrom('ledger_transactions')
      .select(['idempotency_key', 'sequence', 'hash', 'request_digest'])
      .where('idempotency_key', 'in', part)
      .execute()
    for (const r of rows) out.set(r.idempotency_key, r)
  }
  return out
}

/**
 * The tracing rule, stated once: a drawing kind's lot draws are exactly what it takes out
 * of each fund. (The raw post() plans no draws and is not checked: verifyLedger flags it.)
 */
function assertTraced(p: Prepared, draws: Draw[]) {
  if (!DRAWING.has(p.kind)) return
  const out = new Map<string, number>()
  for (const t of p.transfers) if (isFund(t.from)) out.set(t.from, (out.get(t.from) ?? 0) + t.amount)
  for (const d of draws) out.set(d.fund, (out.get(d.fund) ?? 0) - d.amount)
  for (const [fund, left] of out)
    invariant(left === 0, () => `${p.kind} ${p.idempotencyKey}: lots drawn from ${fund} differ from its transfers`)
}

/** Account names from several plans: the first that names a code wins. */
function mergedNames(plans: Plan[]): AccountNames {
  const fixed: Record<string, string> = {}
  const asked: ((code: string) => Promise<string | undefined>)[] = []
  for (const { names } of plans) {
    if (typeof names === 'function') asked.push(names)
    else for (const [code, name] of Object.entries(names ?? {})) fixed[code] ??= name
  }
  if (!asked.length) return fixed
  return async (code) => {
    if (fixed[code] !== undefined) return fixed[code]
    for (const name of asked) {
      const found = await name(code)
      if (found !== undefined) return found
    }
    return undefined
  }
}

/**
 * Post commands in order: all new ones written, or none (the first refusal throws).
 * Replayed keys return their earlier transaction (created: false).
 */
export async function postCommands(trx: Trx, commands: Command[]): Promise<Posted[]> {
  invariant(
    commands.length <= 1 || commands.every((c) => BATCHABLE.has(c.kind) && c.kind === commands[0]!.kind),
    'only awards or donations are posted in batches, of one kind: other plans read state an earlier plan of the batch would change',
  )
  const keys = new Set<string>()
  const items = commands.map((c) => {
    checkKey(c.idempotencyKey)
    if (keys.has(c.idempotencyKey))
      throw new LedgerInputError(`idempotency key ${c.idempotencyKey} appears twice in the batch`)
    keys.add(c.idempotencyKey)
    invariant(!c.posting !== !c.asked, 'a command has either a fixed posting or asked fields')
    const occurredAt = normaliseTime(c.occurredAt)
    const fixed =
      c.posting && preparePosting({ ...c.posting, idempotencyKey: c.idempotencyKey, kind: c.kind, occurredAt })
    const content = fixed ? { refs: fixed.refs, transfers: fixed.transfers } : present(c.asked, 'asked fields')
    return { c, occurredAt, fixed, digest: requestDigest(c.kind, occurredAt, content) }
  })

  const head = await lockHead(trx)
  const earlier = await earlierPostings(trx, [...keys])
  for (const { c, digest } of items) {
    const e = earlier.get(c.idempotencyKey)
    if (e && e.request_digest !== digest) throw new IdempotencyConflictError(c.idempotencyKey)
  }

  const lots = new LotDraws(trx)
  const planned: { p: Prepared; digest: string; plan: Plan }[] = []
  for (const { c, occurredAt, fixed, digest } of items) {
    if (earlier.has(c.idempotencyKey)) continue
    const plan = await c.plan({ trx, lots })
    invariant(!(fixed && plan.posting), `${c.kind}: its posting is fixed by the input, the plan cannot change it`)
    const p =
      fixed ??
      preparePosting({
        ...present(plan.posting, () => `${c.kind}: a plan must give the posting`),
        idempotencyKey: c.idempotencyKey,
        kind: c.kind,
        occurredAt,
      })
    planned.push({ p, digest, plan })
  }

  const answer = (fresh: Map<string, Posted>) =>
    items.map(({ c }) => {
      const e = earlier.get(c.idempotencyKey)
      if (e) return { transactionId: e.sequence, sequence: e.sequence, hash: e.hash, created: false }
      return present(fresh.get(c.idempotencyKey), 'a new command was written')
    })
  if (!planned.length) return answer(new Map()) // all replays: nothing to write

  const posted = await writePostings(trx, head, planned, mergedNames(planned.map((x) => x.plan)), () => {
    // The balance check passed, so every fund covered its draws: lots were planned in full.
    invariant(!lots.short, 'a fund covered its balance check but not its lot draws (ledger inconsistent)')
    for (const { p, plan } of planned) if (plan.draws) assertTraced(p, plan.draws)
  })
  await applyDraws(
    trx,
    planned.flatMap((x) => x.plan.draws ?? []),
  )
  const rows = planned.flatMap(({ plan }, i) =>
    (plan.traces ?? []).map((t) => ({ ...t, sequence: present(posted[i], 'posted row').sequence })),
  )
  const traceIds: number[] = []
  for (const part of chunks(rows, 500)) traceIds.push(...(await insertTraces(trx, part)))
  // An award trace opens the unpaid balance that payouts settle.
  const unpaid = rows.flatMap((t, i) =>
    t.kind === 'award'
      ? [
          {
            trace_id: present(traceIds[i], 'trace id'),
            beneficiary_id: present(t.beneficiary_id, 'an award trace names its student'),
            currency: t.currency,
            unpaid: t.amount,
          },
        ]
      : [],
  )
  for (const part of chunks(unpaid, 500)) await trx.insertInto('ledger_trace_balances').values(part).execute()
  let at = 0
  for (const [i, { plan }] of planned.entries()) {
    const n = plan.traces?.length ?? 0
    await plan.after?.(present(posted[i], 'posted row'), traceIds.slice(at, at + n))
    at += n
  }

  return answer(new Map(planned.map(({ p }, i) => [p.idempotencyKey, present(posted[i], 'posted row')])))
}

/** Post one command (see postCommands). */
export async function postCommand(trx: Trx, command: Command): Promise<Posted> {
  return present((await postCommands(trx, [command]))[0], 'one command, one answer')
}

/**
 * Post a transaction (see PostInput). Idempotent on idempotencyKey. Low level: it writes
 * the transaction, transfers and balances only. Money in or out of a fund also moves
 * lots and traces, so use the domain commands (postDonation, postAward, …) for those —
 * verifyLedger flags a fund movement whose lots and traces do not follow the rule.
 */
export async function post(trx: Trx, input: PostInput): Promise<Posted> {
  const { transfers, refs } = input
  return postCommand(trx, { ...input, posting: { transfers, refs }, plan: async () => ({}) })
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

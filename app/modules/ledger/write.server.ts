// The one writer of transactions, transfers, balances and the chain head, for one
// posting or a batch (called by postCommands). Check, then write: every check (fund:* and
// payable:* never negative, the caller's own `checked` assertions) runs before the first
// write, so a caller that catches InsufficientFundsError keeps a clean transaction. The
// caller must already hold lockHead().
import { sql, type Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { dialectOf } from '../../utils/db.server'
import { accountKind, defaultAccountName, isGuarded } from './accounts'
import { invariant } from '../../utils/invariant'
import { InsufficientFundsError } from './errors'
import { CURRENT_VERSION, canonicalRecord, chainHash, commitRefs, type RecordVersion } from './hash.server'
import type { Head, Posted, Prepared, Transfer } from './post.server'

export type AccountNames = Record<string, string> | ((code: string) => Promise<string | undefined>)
type Delta = { account: string; currency: string; delta: number }

/** Statements stay well under both dialects' parameter and expression-depth limits. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

let newVersion: RecordVersion = CURRENT_VERSION
/**
 * Tests only: write records of another version, as a database from before the switch
 * holds them (its history stays version 1 and the chain continues in version 2).
 */
export function writeVersionForTests(version: RecordVersion): void {
  newVersion = version
}

const key = (account: string, currency: string) => `${account}\u0000${currency}`

/** Signed change per account and currency, sorted (the lock order). */
function deltasOf(transfers: Transfer[]): Delta[] {
  const deltas = new Map<string, Delta>()
  const add = (account: string, currency: string, d: number) => {
    const entry = deltas.get(key(account, currency)) ?? { account, currency, delta: 0 }
    entry.delta += d
    deltas.set(key(account, currency), entry)
  }
  for (const t of transfers) {
    add(t.from, t.currency, -t.amount)
    add(t.to, t.currency, t.amount)
  }
  return [...deltas.values()].sort((a, b) =>
    a.account < b.account
      ? -1
      : a.account > b.account
        ? 1
        : a.currency < b.currency
          ? -1
          : a.currency > b.currency
            ? 1
            : 0,
  )
}

/**
 * Write postings in order, sequences head+1, head+2, … Balances are checked on the
 * net change of the whole batch, which equals checking each step when every account
 * only moves one way within the batch (true of one posting, and of award batches), or
 * no posting lowers a guarded account (donation batches: each raises its fund).
 */
export async function writePostings(
  trx: Kysely<Database>,
  head: Head,
  items: { p: Prepared; digest: string }[],
  names: AccountNames = {},
  checked: () => void = () => {},
): Promise<Posted[]> {
  const deltas = deltasOf(items.flatMap((i) => i.p.transfers))
  // Double entry: every transfer moves one amount from one account to another, so the
  // changes of each currency sum to zero.
  const net = new Map<string, number>()
  for (const d of deltas) net.set(d.currency, (net.get(d.currency) ?? 0) + d.delta)
  for (const [currency, sum] of net) invariant(sum === 0, () => `${currency} changes sum to ${sum}, not zero`)
  const pg = dialectOf(trx) === 'postgres'
  const current = new Map<string, number>()
  // Balance rows locked in one consistent (sorted) order, so concurrent posters never deadlock.
  for (const part of chunks(deltas, 200)) {
    let query = trx
      .selectFrom('ledger_balances')
      .select(['account', 'currency', 'balance'])
      .where((eb) => eb.or(part.map((d) => eb.and([eb('account', '=', d.account), eb('currency', '=', d.currency)]))))
      .orderBy('account')
      .orderBy('currency')
    if (pg) query = query.forUpdate()
    for (const r of await query.execute()) current.set(key(r.account, r.currency), r.balance)
  }
  for (const d of deltas) {
    const available = current.get(key(d.account, d.currency)) ?? 0
    if (isGuarded(d.account) && available + d.delta < 0)
      throw new InsufficientFundsError(d.account, d.currency, available, -d.delta)
  }
  checked()

  const codes = [...new Set(deltas.map((d) => d.account))]
  const now = new Date().toISOString()
  for (const part of chunks(codes, 500)) {
    const known = new Set(
      (await trx.selectFrom('ledger_accounts').select('code').where('code', 'in', part).execute()).map((r) => r.code),
    )
    const rows = []
    for (const code of part.filter((c) => !known.has(c))) {
      const name = typeof names === 'function' ? await names(code) : names[code]
      rows.push({ code, kind: accountKind(code), name: name ?? defaultAccountName(code), created_at: now })
    }
    if (rows.length) await trx.insertInto('ledger_accounts').values(rows).execute()
  }

  const posted: Posted[] = []
  const txRows = []
  const transferRows: {
    sequence: number
    position: number
    from_account: string
    to_account: string
    amount: number
    currency: string
  }[] = []
  const disclosureRows: { sequence: number; key: 'donor' | 'beneficiary'; value: string; salt: string }[] = []
  let { sequence, hash } = head
  const version = newVersion
  for (const { p, digest } of items) {
    sequence++
    const prev = hash
    // Version 2: the hashed refs carry commitments; values and salts go beside them.
    const committed = version === 2 ? commitRefs(p.refs) : { refs: p.refs, disclosures: [] }
    for (const d of committed.disclosures) disclosureRows.push({ sequence, ...d })
    hash = chainHash(prev, canonicalRecord(sequence, p.kind, p.occurredAt, committed.refs, p.transfers, version))
    txRows.push({
      sequence,
      version,
      idempotency_key: p.idempotencyKey,
      kind: p.kind,
      occurred_at: p.occurredAt,
      recorded_at: now,
      refs: JSON.stringify(committed.refs),
      donation_ref: p.refs.donation ?? null,
      corrects: p.refs.corrects !== undefined ? Number(p.refs.corrects) : null,
      request_digest: digest,
      prev_hash: prev,
      hash,
    })
    const seq = sequence
    p.transfers.forEach((t, position) =>
      transferRows.push({
        sequence: seq,
        position,
        from_account: t.from,
        to_account: t.to,
        amount: t.amount,
        currency: t.currency,
      }),
    )
    posted.push({ transactionId: sequence, sequence, hash, created: true, refs: committed.refs })
  }
  for (const part of chunks(txRows, 400)) await trx.insertInto('ledger_transactions').values(part).execute()
  for (const part of chunks(disclosureRows, 400)) await trx.insertInto('ledger_disclosures').values(part).execute()
  for (const part of chunks(transferRows, 800)) await trx.insertInto('ledger_transfers').values(part).execute()

  const fresh = deltas.filter((d) => !current.has(key(d.account, d.currency)))
  for (const part of chunks(fresh, 500)) {
    await trx
      .insertInto('ledger_balances')
      .values(part.map((d) => ({ account: d.account, currency: d.currency, balance: d.delta })))
      .execute()
  }
  // Existing balance rows change in one statement per chunk (one CASE arm per account and currency).
  const changed = deltas.filter((d) => d.delta !== 0 && current.has(key(d.account, d.currency)))
  for (const part of chunks(changed, 200)) {
    const arms = sql.join(
      part.map((d) => sql`when account = ${d.account} and currency = ${d.currency} then ${d.delta}`),
      sql` `,
    )
    await trx
      .updateTable('ledger_balances')
      .set({ balance: sql`balance + case ${arms} else 0 end` })
      .where((eb) => eb.or(part.map((d) => eb.and([eb('account', '=', d.account), eb('currency', '=', d.currency)]))))
      .execute()
  }
  // The head moves once, onto the last: its trigger checks that every transaction in
  // between is there, that the first links to the old hash and the head's to the last.
  if (txRows.length)
    await trx.updateTable('ledger_head').set({ sequence, hash, updated_at: now }).where('id', '=', 1).execute()
  head.sequence = sequence
  head.hash = hash
  return posted
}

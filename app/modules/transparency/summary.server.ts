// Dashboard aggregates, folded forward from the ledger one transaction at a time and
// kept in transparency_cache (one row, shared by every app process). A read costs one
// row; a fold costs only the transactions posted since the last one.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { dialectOf } from '../../utils/db.server'
import { beneficiaryIdOf } from '../ledger/accounts'
import { countyOfStations, type StationRow } from './places.server'

type Db = Kysely<Database>
const KEY = 'dashboard'
const VERSION = 1

/**
 * Amounts keyed by text, each in minor units:
 *  flows     `${from}|${to}|${currency}`  transfers between account groups (payable:* → payable, paid:* → paid)
 *  donations `${fund}|${currency}`        number of donations
 *  monthly   `${YYYY-MM}|${currency}`     gross raised per month (China time)
 *  awards    `${programme}|${county}|${currency}` awarded, net of corrections
 *  paid      `${fund}|${currency}`        paid out to students from each fund's money (by trace)
 *  kinds     `${kind}`                    transactions per kind
 */
export type Summary = {
  version: number
  through: number
  hash: string
  flows: Record<string, number>
  donations: Record<string, number>
  monthly: Record<string, number>
  awards: Record<string, number>
  paid: Record<string, number>
  kinds: Record<string, number>
}

export const emptySummary = (): Summary => ({
  version: VERSION,
  through: 0,
  hash: '0'.repeat(64),
  flows: {},
  donations: {},
  monthly: {},
  awards: {},
  paid: {},
  kinds: {},
})

/** payable:beneficiary:7 → payable; paid:… → paid; every other account stands for itself. */
export function groupOf(account: string): string {
  if (account.startsWith('payable:')) return 'payable'
  if (account.startsWith('paid:')) return 'paid'
  return account
}

/** The month an instant falls in, in China time (UTC+8, no daylight saving). */
export function monthOf(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 7)
}

const add = (m: Record<string, number>, key: string, v: number) => {
  const n = (m[key] ?? 0) + v
  if (n === 0) delete m[key]
  else m[key] = n
}

function parse(row: { value: string; through_sequence: number; head_hash: string }): Summary | undefined {
  try {
    const v = JSON.parse(row.value) as Summary
    if (v.version !== VERSION || v.through !== Number(row.through_sequence)) return undefined
    return v
  } catch {
    return undefined
  }
}

/** Fold transactions (s.through, to] into s, in batches. */
async function foldRange(db: Db, s: Summary, to: number, batch: number): Promise<void> {
  const stations = await db.selectFrom('stations').select(['id', 'code', 'level', 'path']).execute()
  const countyOf = countyOfStations(stations as StationRow[])
  const beneficiaryCounty = new Map<number, string>()
  while (s.through < to) {
    const lo = s.through
    const hi = Math.min(to, lo + batch)
    const txs = await db
      .selectFrom('ledger_transactions')
      .select(['sequence', 'kind', 'occurred_at', 'refs', 'corrects', 'hash'])
      .where('sequence', '>', lo)
      .where('sequence', '<=', hi)
      .orderBy('sequence')
      .execute()
    const transfers = await db
      .selectFrom('ledger_transfers')
      .select(['sequence', 'from_account', 'to_account', 'amount', 'currency'])
      .where('sequence', '>', lo)
      .where('sequence', '<=', hi)
      .orderBy('sequence')
      .orderBy('position')
      .execute()
    const traces = await db
      .selectFrom('ledger_traces as t')
      .innerJoin('ledger_lots as l', 'l.id', 't.lot_id')
      .select(['t.sequence', 't.kind', 't.amount', 't.currency', 't.parent_id', 'l.fund'])
      .where('t.sequence', '>', lo)
      .where('t.sequence', '<=', hi)
      .where('t.kind', 'in', ['payout', 'reversal'])
      .execute()
    const bySeq = new Map<number, typeof transfers>()
    for (const t of transfers) {
      const list = bySeq.get(t.sequence)
      if (list) list.push(t)
      else bySeq.set(t.sequence, [t])
    }
    // Awards (and corrected awards) need the student's county and the original's refs.
    const corrected = new Map<number, { kind: string; refs: string; to: string }>()
    const targets = txs.filter((t) => t.kind === 'correction' && t.corrects !== null).map((t) => Number(t.corrects))
    for (let i = 0; i < targets.length; i += 500) {
      const part = targets.slice(i, i + 500)
      const rows = await db
        .selectFrom('ledger_transactions as x')
        .innerJoin('ledger_transfers as f', (j) => j.onRef('f.sequence', '=', 'x.sequence').on('f.position', '=', 0))
        .select(['x.sequence', 'x.kind', 'x.refs', 'f.to_account'])
        .where('x.sequence', 'in', part)
        .execute()
      for (const r of rows) corrected.set(r.sequence, { kind: r.kind, refs: r.refs, to: r.to_account })
    }
    const need = new Set<number>()
    for (const t of transfers) {
      const id = beneficiaryIdOf(t.to_account)
      if (id && !beneficiaryCounty.has(id)) need.add(id)
    }
    for (const c of corrected.values()) {
      const id = beneficiaryIdOf(c.to)
      if (id && !beneficiaryCounty.has(id)) need.add(id)
    }
    const ids = [...need]
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('beneficiaries')
        .select(['id', 'station_id'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute()
      for (const r of rows) beneficiaryCounty.set(r.id, countyOf(r.station_id))
    }
    const countyOfAccount = (account: string) => beneficiaryCounty.get(beneficiaryIdOf(account) ?? 0) ?? ''
    const programmeOf = (refs: string) => {
      try {
        return String((JSON.parse(refs) as Record<string, string>).programme ?? '')
      } catch {
        return ''
      }
    }

    const payoutReversals = new Set<number>() // corrections of payouts in this batch; their reversal traces carry their lot's fund
    for (const tx of txs) {
      add(s.kinds, tx.kind, 1)
      const list = bySeq.get(tx.sequence) ?? []
      for (const t of list) add(s.flows, `${groupOf(t.from_account)}|${groupOf(t.to_account)}|${t.currency}`, t.amount)
      if (tx.kind === 'donation' && list[0]) {
        add(s.donations, `${list[0].to_account}|${list[0].currency}`, 1)
        add(s.monthly, `${monthOf(tx.occurred_at)}|${list[0].currency}`, list[0].amount)
      } else if (tx.kind === 'award' && list[0]) {
        add(
          s.awards,
          `${programmeOf(tx.refs)}|${countyOfAccount(list[0].to_account)}|${list[0].currency}`,
          list[0].amount,
        )
      } else if (tx.kind === 'correction' && tx.corrects !== null) {
        const original = corrected.get(Number(tx.corrects))
        if (original?.kind === 'award' && list[0])
          add(
            s.awards,
            `${programmeOf(original.refs)}|${countyOfAccount(original.to)}|${list[0].currency}`,
            -list[0].amount,
          )
        if (original?.kind === 'payout') payoutReversals.add(tx.sequence)
      }
      s.through = tx.sequence
      s.hash = tx.hash
    }
    for (const t of traces) {
      if (t.kind === 'payout') add(s.paid, `${t.fund}|${t.currency}`, t.amount)
      else if (payoutReversals.has(t.sequence)) add(s.paid, `${t.fund}|${t.currency}`, -t.amount)
    }
    if (!txs.length) break
  }
}

/** The summary as stored, without folding (may lag the head). */
export async function readSummary(db: Db): Promise<Summary> {
  const row = await db
    .selectFrom('transparency_cache')
    .select(['value', 'through_sequence', 'head_hash'])
    .where('key', '=', KEY)
    .executeTakeFirst()
  return (row && parse(row)) ?? emptySummary()
}

/**
 * The summary folded up to the current chain head (at most `limit` transactions per
 * call, so one request never carries a large backlog; the figures then say which
 * sequence they cover). Concurrent callers serialise on the cache row.
 */
export async function getSummary(db: Db, options: { limit?: number; batch?: number } = {}): Promise<Summary> {
  const head = await db.selectFrom('ledger_head').select('sequence').where('id', '=', 1).executeTakeFirstOrThrow()
  const current = await readSummary(db)
  if (current.through >= head.sequence) return current
  return db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('transparency_cache')
      .select(['value', 'through_sequence', 'head_hash'])
      .where('key', '=', KEY)
    if (dialectOf(trx) === 'postgres') q = q.forUpdate()
    const row = await q.executeTakeFirst()
    const s = (row && parse(row)) ?? emptySummary()
    const target = Math.min(head.sequence, s.through + (options.limit ?? Number.MAX_SAFE_INTEGER))
    if (s.through >= target) return s
    await foldRange(trx, s, target, options.batch ?? 5000)
    const values = {
      through_sequence: s.through,
      head_hash: s.hash,
      value: JSON.stringify(s),
      updated_at: new Date().toISOString(),
    }
    if (row) await trx.updateTable('transparency_cache').set(values).where('key', '=', KEY).execute()
    else
      await trx
        .insertInto('transparency_cache')
        .values({ key: KEY, ...values })
        .execute()
    return s
  })
}

/** Recompute from the first transaction (for tests and after a format change). */
export async function rebuildSummary(db: Db): Promise<Summary> {
  await db
    .updateTable('transparency_cache')
    .set({ value: '{}', through_sequence: 0, head_hash: '0'.repeat(64) })
    .where('key', '=', KEY)
    .execute()
  return getSummary(db)
}

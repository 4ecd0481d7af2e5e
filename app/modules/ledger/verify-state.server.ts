// verifyLedger's last step: the mutable state (head, balances, lot and award remainders)
// against what the replayed history gives, and the counts that catch rows belonging to no
// transaction (every row that does belong was matched while the history was replayed).
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { Replay } from './replay.server'
import type { VerifyError } from './verify.server'

/** The mutable state (head, balances, remainders) must equal what the history gives. */
export async function checkState(
  db: Kysely<Database>,
  replay: Replay,
  sequence: number,
  hash: string,
  /** Donation rows matched to their transactions during the replay. */
  donations: number,
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
  for (const id of replay.lots.ids) {
    if (replay.lots.storedRemaining[id] !== replay.lots.remaining[id]) {
      return {
        table: 'ledger_lot_balances',
        id,
        message: `lot ${id} shows ${replay.lots.storedRemaining[id]} remaining, the history gives ${replay.lots.remaining[id]}`,
      }
    }
  }
  const remainders = await db
    .selectFrom('ledger_lot_balances')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  if (Number(remainders.n) !== replay.lots.ids.length)
    return {
      table: 'ledger_lot_balances',
      message: `${Number(remainders.n) - replay.lots.ids.length} remainder rows belong to no lot`,
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
        !replay.awards.isAward(r.trace_id) ||
        replay.awards.unpaid[r.trace_id] !== r.unpaid ||
        replay.awards.beneficiary[r.trace_id] !== r.beneficiary_id
      ) {
        return {
          table: 'ledger_trace_balances',
          id: r.trace_id,
          message: `award trace ${r.trace_id} shows ${r.unpaid} unpaid, the history gives ${replay.awards.isAward(r.trace_id) ? replay.awards.unpaid[r.trace_id] : 'no award'}`,
        }
      }
    }
    rows += page.length
    after = page[page.length - 1]!.trace_id
  }
  if (rows !== replay.awards.count)
    return { table: 'ledger_trace_balances', message: `${replay.awards.count - rows} award remainder rows missing` }

  const counts = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('ledger_traces').select(eb.fn.countAll<number>().as('n')).as('traces'),
      eb.selectFrom('ledger_lots').select(eb.fn.countAll<number>().as('n')).as('lots'),
      eb.selectFrom('ledger_donations').select(eb.fn.countAll<number>().as('n')).as('donations'),
    ])
    .executeTakeFirstOrThrow()
  if (Number(counts.traces) !== replay.traces)
    return {
      table: 'ledger_traces',
      message: `${Number(counts.traces) - replay.traces} trace rows belong to no transaction`,
    }
  if (Number(counts.lots) !== replay.lots.ids.length)
    return { table: 'ledger_lots', message: 'lot rows belong to no transaction' }
  if (Number(counts.donations) !== donations)
    return { table: 'ledger_donations', message: 'donation rows belong to no transaction' }
  return undefined
}

// Set-wise checks of the ledger's redundant copies: donation rows against their
// transactions, lots against their donations or source lots, remainder rows against
// their lots. The database compares; only a mismatching row (normally none) comes back.
import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from '../../../db/schema'
import { dialectOf } from '../../utils/db.server'
import type { VerifyError } from './verify.server'

export async function checkCopies(db: Kysely<Database>): Promise<VerifyError | undefined> {
  const donor: RawBuilder<string> =
    dialectOf(db) === 'postgres' ? sql`(x.refs::jsonb ->> 'donor')` : sql`json_extract(x.refs, '$.donor')`
  const first = async (query: RawBuilder<{ id: number; sequence?: number }>) => (await query.execute(db)).rows[0]

  const donation = await first(sql`
    select d.id, d.sequence from ledger_donations d
    left join ledger_transactions x on x.sequence = d.sequence
    left join ledger_transfers g on g.sequence = d.sequence and g.position = 0
    left join ledger_transfers f on f.sequence = d.sequence and f.position = 1
    where x.sequence is null or x.kind <> 'donation' or x.donation_ref <> d.donation_ref or x.occurred_at <> d.paid_at
      or g.id is null or g.to_account <> d.fund or g.amount <> d.gross or g.currency <> d.currency
      or coalesce(f.amount, 0) <> d.fee or ${donor} is distinct from d.display_name
    order by d.id limit 1`)
  if (donation)
    return {
      table: 'ledger_donations',
      id: donation.id,
      sequence: donation.sequence,
      message: `donation ${donation.id} does not match its transaction ${donation.sequence}`,
    }

  const unbooked = await first(sql`
    select x.sequence as id from ledger_transactions x left join ledger_donations d on d.sequence = x.sequence
    where x.kind = 'donation' and d.id is null order by x.sequence limit 1`)
  if (unbooked)
    return {
      table: 'ledger_donations',
      sequence: unbooked.id,
      message: `transaction ${unbooked.id} is a donation without its donation row`,
    }

  const lot = await first(sql`
    select l.id, l.sequence from ledger_lots l join ledger_donations d on d.sequence = l.sequence
    where l.donation_id <> d.id or l.fund <> d.fund or l.currency <> d.currency or l.paid_at <> d.paid_at or l.source_trace_id is not null
    order by l.id limit 1`)
  if (lot)
    return {
      table: 'ledger_lots',
      id: lot.id,
      sequence: lot.sequence,
      message: `lot ${lot.id} does not match its donation`,
    }

  const moved = await first(sql`
    select l.id, l.sequence from ledger_lots l
    join ledger_traces t on t.id = l.source_trace_id
    join ledger_lots s on s.id = t.lot_id
    left join ledger_transfers tr on tr.sequence = l.sequence and tr.position = 0
    where l.donation_id <> s.donation_id or l.paid_at <> s.paid_at or l.currency <> s.currency or tr.id is null or l.fund <> tr.to_account
    order by l.id limit 1`)
  if (moved)
    return {
      table: 'ledger_lots',
      id: moved.id,
      sequence: moved.sequence,
      message: `lot ${moved.id} does not match the lot it was moved from`,
    }

  const remainder = await first(sql`
    select b.lot_id as id from ledger_lot_balances b left join ledger_lots l on l.id = b.lot_id
    where l.id is null or b.fund <> l.fund or b.currency <> l.currency or b.paid_at <> l.paid_at
    order by b.lot_id limit 1`)
  if (remainder)
    return {
      table: 'ledger_lot_balances',
      id: remainder.id,
      message: `remainder row of lot ${remainder.id} disagrees with its lot`,
    }
  return undefined
}

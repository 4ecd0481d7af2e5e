import { sql, type RawBuilder, type Selectable, type Transaction, type Updateable } from 'kysely'
import { invariant } from '~/utils/invariant'
import type { Database } from '../../../db/schema'
import type { DonationStatus, DonationsTable } from '../../../db/tables/giving'

// The donation lifecycle: the one table of allowed status moves and the one function that
// makes them. Nothing else writes donations.status.
//
//   pending             created by the checkout, the offline desk or a later instalment;
//                       waiting for the provider to say the money arrived
//   paid                booked in the ledger, receipt issued (from pending, or from failed
//                       when a delayed payment succeeds after all; back from disputed when won)
//   failed / canceled   the payment failed or the checkout expired; nothing was booked.
//                       Canceled is final; failed may still be paid.
//   partially_refunded  some of the gift went back to the donor (each refund is a reversal)
//   refunded            all of it went back; a later reversal keeps it refunded
//   disputed            the donor's bank opened a dispute, or took the money when it was lost;
//                       won, the gift returns to paid or partially_refunded
//
// The self-moves (partially_refunded → partially_refunded, ...) are a further reversal of
// the same kind: the status stays, the totals move. Whether an event applies at all (a
// replayed payment, an expiry after payment, a dispute opened twice) is the caller's
// decision, made before it calls moveDonation: an event that cannot apply is an outcome
// ('already', 'ignored'), never a move. A move not in the table is a bug.

export type DonationRow = Selectable<DonationsTable>
type Trx = Transaction<Database>

export const INITIAL_DONATION_STATUS = 'pending' satisfies DonationStatus

export const DONATION_TRANSITIONS: { readonly [From in DonationStatus]: readonly DonationStatus[] } = {
  pending: ['paid', 'failed', 'canceled'],
  failed: ['paid'],
  canceled: [],
  paid: ['partially_refunded', 'refunded', 'disputed'],
  partially_refunded: ['partially_refunded', 'refunded', 'disputed'],
  refunded: ['refunded', 'disputed'],
  disputed: ['disputed', 'paid', 'partially_refunded', 'refunded'],
}

export function canMove(from: DonationStatus, to: DonationStatus): boolean {
  return DONATION_TRANSITIONS[from].includes(to)
}

/** Not paid yet, so a payment for it books it (paid is reached from disputed too, by a won dispute). */
export function awaitsPayment(status: DonationStatus): boolean {
  return status === 'pending' || status === 'failed'
}

/** The statuses in which the gift was booked and may be reversed (refunded or withdrawn by a dispute). */
export function isBooked(status: DonationStatus): boolean {
  return canMove(status, 'refunded')
}

/** Every column but the status itself, which only the move sets. */
export type MoveFields = Omit<Updateable<DonationsTable>, 'status' | 'id' | 'public_id'>

/**
 * Move a donation (locked by the caller) to `to`, writing `fields` with it. Refuses a move
 * not in DONATION_TRANSITIONS, and a row whose status changed since the caller read it.
 * Returns the donation as it now stands.
 */
export async function moveDonation(
  trx: Trx,
  donation: DonationRow,
  to: DonationStatus,
  fields: MoveFields = {},
): Promise<DonationRow> {
  invariant(canMove(donation.status, to), () => `donation ${donation.public_id}: no move ${donation.status} → ${to}`)
  const result = await trx
    .updateTable('donations')
    .set({ ...fields, status: to })
    .where('id', '=', donation.id)
    .where('status', '=', donation.status)
    .executeTakeFirst()
  invariant(
    Number(result.numUpdatedRows) === 1,
    () => `donation ${donation.public_id}: moved from ${donation.status} under the caller's lock`,
  )
  return { ...donation, ...fields, status: to }
}

/**
 * moveDonation for several donations at once (locked by the caller, each with its own
 * fields, every one naming the same columns), in one statement: each column is set by a
 * CASE on the id. Returns the donations as they now stand, in order.
 */
export async function moveDonations(
  trx: Trx,
  moves: { donation: DonationRow; fields: MoveFields }[],
  to: DonationStatus,
): Promise<DonationRow[]> {
  if (moves.length <= 1) return Promise.all(moves.map((m) => moveDonation(trx, m.donation, to, m.fields)))
  const columns = Object.keys(moves[0]!.fields) as (keyof MoveFields)[]
  for (const { donation, fields } of moves) {
    invariant(canMove(donation.status, to), () => `donation ${donation.public_id}: no move ${donation.status} → ${to}`)
    invariant(
      Object.keys(fields).length === columns.length && columns.every((c) => c in fields),
      'moved together, the donations set the same columns',
    )
  }
  // Untyped parameters would make a CASE of text on PostgreSQL: numbers are cast.
  const value = (v: unknown): RawBuilder<unknown> =>
    typeof v === 'number' ? sql`cast(${v} as bigint)` : v === null || v === undefined ? sql`null` : sql`${v}`
  const byId = (column: keyof MoveFields) =>
    sql`case id ${sql.join(
      moves.map((m) => sql`when ${m.donation.id} then ${value(m.fields[column])}`),
      sql` `,
    )} end`
  const set = Object.fromEntries(columns.map((c) => [c, byId(c)]))
  const result = await trx
    .updateTable('donations')
    .set({ ...set, status: to })
    .where((eb) =>
      eb.or(moves.map((m) => eb.and([eb('id', '=', m.donation.id), eb('status', '=', m.donation.status)]))),
    )
    .executeTakeFirst()
  invariant(
    Number(result.numUpdatedRows) === moves.length,
    () => `donations moved from their status under the caller's lock (${result.numUpdatedRows} of ${moves.length})`,
  )
  return moves.map(({ donation, fields }) => ({ ...donation, ...fields, status: to }))
}

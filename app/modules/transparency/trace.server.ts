// A donor's trace page, opened by the unguessable tracking code from the receipt.
// Reads only public columns of the donation (status, amount, display name) and
// the ledger's trace; students appear as pseudonym, county and grade.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { getDonationTrace, getMatchShares, type DonationTrace, type TraceShare } from '../ledger'
import { publicStudents, type PublicStudent } from './students.server'
import { WITHHELD_CODE, withoutWithheld } from './withheld.server'

type Db = Kysely<Database>

export type PublicTrace = {
  donation: {
    publicId: string
    status: string
    amount: number
    currency: string
    displayName: string
    fund: string
    paidAt: string | null
  }
  trace: DonationTrace | null
  students: Record<string, PublicStudent>
}

const TRACKING = /^[0-9A-HJKMNP-TV-Z]{25}$/

export const isTrackingCode = (code: string) => TRACKING.test(code)

export async function getPublicTrace(db: Db, trackingCode: string): Promise<PublicTrace | undefined> {
  if (!isTrackingCode(trackingCode)) return undefined
  const d = await db
    .selectFrom('donations')
    .select(['public_id', 'status', 'amount', 'currency', 'display_name', 'fund', 'paid_at'])
    .where('tracking_code', '=', trackingCode)
    .executeTakeFirst()
  if (!d) return undefined
  return tracePublicId(db, d)
}

/** The trace of a donation by its public id (the open data's donation column). */
export async function getTraceByDonation(db: Db, publicId: string): Promise<PublicTrace | undefined> {
  const trace = await getDonationTrace(db, publicId)
  if (!trace) return undefined
  return withStudents(db, {
    donation: {
      publicId,
      status: 'paid',
      amount: trace.donation.amount,
      currency: trace.donation.currency,
      displayName: trace.donation.displayName,
      fund: trace.donation.fund,
      paidAt: trace.donation.paidAt,
    },
    trace,
  })
}

async function tracePublicId(
  db: Db,
  d: {
    public_id: string
    status: string
    amount: number
    currency: string
    display_name: string
    fund: string
    paid_at: string | null
  },
) {
  const trace = (await getDonationTrace(db, d.public_id)) ?? null
  return withStudents(db, {
    donation: {
      publicId: d.public_id,
      status: d.status,
      amount: d.amount,
      currency: d.currency,
      displayName: d.display_name,
      fund: d.fund,
      paidAt: d.paid_at,
    },
    trace,
  })
}

async function withStudents(db: Db, t: Omit<PublicTrace, 'students'>): Promise<PublicTrace> {
  const students = await publicStudents(db, t.trace?.shares.map((s) => s.beneficiaryCode) ?? [])
  // A student without public-story consent is shown as a share with the withheld placeholder,
  // here and in everything else the trace carries (see withheld.server.ts).
  return withoutWithheld(db, { ...t, students: Object.fromEntries(students) })
}

/** A student's share of a gift with what the sponsor's match (配捐) of it added. */
export type TraceRow = TraceShare & { matched: number }

/**
 * The trace table of a matched gift: each award that drew on the gift or on its match, the
 * two parts side by side ("¥50 from you, ¥50 matched by …"). Withheld students stay apart.
 */
export async function sharesWithMatch(
  db: Db,
  trace: PublicTrace,
  matchSequence: number | undefined,
): Promise<{ rows: TraceRow[]; students: Record<string, PublicStudent> }> {
  const rows: TraceRow[] = (trace.trace?.shares ?? []).map((s) => ({ ...s, matched: 0 }))
  if (matchSequence === undefined) return { rows, students: trace.students }
  const matched = await withoutWithheld(db, await getMatchShares(db, matchSequence))
  const key = (s: TraceShare) =>
    s.beneficiaryCode === WITHHELD_CODE ? null : `${s.awardSequence}:${s.beneficiaryCode}`
  const byKey = new Map(rows.map((r) => [key(r), r]))
  for (const m of matched) {
    const own = key(m) === null ? undefined : byKey.get(key(m))
    if (!own) {
      rows.push({ ...m, amount: 0, paid: 0, matched: m.amount })
      continue
    }
    own.matched += m.amount
    // Paid when both parts are: the later of the two payouts.
    own.paidAt = own.paidAt && m.paidAt ? (own.paidAt > m.paidAt ? own.paidAt : m.paidAt) : null
  }
  const extra = await publicStudents(
    db,
    matched.map((m) => m.beneficiaryCode).filter((c) => !(c in trace.students)),
  )
  rows.sort((a, b) => a.awardSequence - b.awardSequence)
  return { rows, students: { ...trace.students, ...Object.fromEntries(extra) } }
}

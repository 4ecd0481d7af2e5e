// A donor's trace page, opened by the unguessable tracking code from the receipt.
// Reads only public columns of the donation (status, amount, display name) and
// the ledger's trace; students appear as pseudonym, county and grade.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { getDonationTrace, type DonationTrace } from '../ledger'
import { publicStudents, type PublicStudent } from './students.server'
import { withoutWithheld } from './withheld.server'

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

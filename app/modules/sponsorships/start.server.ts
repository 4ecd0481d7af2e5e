import crypto from 'node:crypto'
import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { publicStoryConsented } from '../beneficiaries/consent.server'
import { Refusal } from '~/utils/refusal'
import { keyedDigest, timingSafeEqualText } from '../auth/tokens.server'

// Choosing and starting a sponsorship (the rest of its life is in lifecycle.server.ts).
// Starting one without paying holds its student briefly, like a micro-wish claim: for
// SPONSOR_HOLD_MS from the start, compared with the clock (no background job), then the
// student is back on the list, so nobody can empty the list by starting and walking away.

/** How long a started, unpaid sponsorship keeps its student off the list. */
export const SPONSOR_HOLD_MS = 30 * 60_000

/** Sponsorships one client may start per hour (the public route enforces it). */
export const START_LIMIT = { max: 5, windowMs: 60 * 60_000 }

/** Students a donor may choose: active, public-story consent, programme-eligible, not sponsored now. */
export async function listSponsorable(db: DB, input: { programmeId: number; limit?: number; now?: Date }) {
  const reservedSince = new Date((input.now ?? new Date()).getTime() - SPONSOR_HOLD_MS).toISOString()
  const programme = await db
    .selectFrom('programmes')
    .select(['eligible_categories'])
    .where('id', '=', input.programmeId)
    .executeTakeFirst()
  if (!programme) return []
  const eligible: string[] = JSON.parse(programme.eligible_categories)
  const rows = await db
    .selectFrom('beneficiaries')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .select([
      'beneficiaries.id',
      'beneficiaries.public_code',
      'beneficiaries.grade',
      'beneficiaries.categories',
      'stations.code as station_code',
    ])
    .where('beneficiaries.status', '=', 'active')
    .where(publicStoryConsented('beneficiaries.id'))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('sponsorships as s')
            .select('s.id')
            .whereRef('s.beneficiary_id', '=', 'beneficiaries.id')
            // A started but unpaid sponsorship holds the student for SPONSOR_HOLD_MS.
            .where((w) =>
              w.or([
                w('s.status', 'in', ['active', 'paused']),
                w.and([w('s.status', '=', 'pending'), w('s.created_at', '>', reservedSince)]),
              ]),
            ),
        ),
      ),
    )
    .orderBy('beneficiaries.public_code')
    .limit(500)
    .execute()
  return rows
    .filter((r) => (JSON.parse(r.categories) as string[]).some((c) => eligible.includes(c)))
    .slice(0, input.limit ?? 60)
    .map((r) => ({
      id: Number(r.id),
      publicCode: r.public_code,
      grade: r.grade,
      countyCode: r.station_code.slice(0, 6),
    }))
}

/** A donor starts a sponsorship (pending until the first gift to its fund is paid). */
export async function startSponsorship(
  db: DB,
  input: {
    beneficiaryId: number
    programmeId: number
    schoolYear: string
    frequency: 'once' | 'monthly'
    donorName: string
    donorEmail: string
    locale: string
  },
  now = new Date(),
): Promise<{ id: number; token: string }> {
  const available = await listSponsorable(db, { programmeId: input.programmeId, limit: 10_000, now })
  if (!available.some((s) => s.id === input.beneficiaryId))
    throw new Refusal('sponsor.error.unavailable', { status: 409 })
  const token = `s_${crypto.randomBytes(18).toString('base64url')}`
  const row = await db
    .insertInto('sponsorships')
    .values({
      beneficiary_id: input.beneficiaryId,
      programme_id: input.programmeId,
      school_year: input.schoolYear,
      frequency: input.frequency,
      status: 'pending',
      donor_name: input.donorName,
      donor_email: input.donorEmail,
      locale: input.locale,
      access_token: token,
      pause_reason: null,
      created_at: now.toISOString(),
      activated_at: null,
      paused_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: Number(row.id), token }
}

/**
 * The start form's name and email carry to the giving form through this claim: an HMAC
 * of the sponsorship id (SESSION_SECRET), so whoever guesses an id sees no one's details.
 */
export function sponsorClaim(id: number): string {
  return keyedDigest(getEnv().SESSION_SECRET, 'sponsor-claim', String(id))
}

const claimHolds = (id: number, claim: string | null) => !!claim && timingSafeEqualText(sponsorClaim(id), claim)

/**
 * For checkout: an active sponsorship, or a pending one whose student is still its own
 * (its hold has not run out, or nobody has started on the student since), may receive
 * gifts into its fund. With the start's claim, the sponsor's name and email come along.
 */
export async function sponsorshipForCheckout(db: DB, id: number, claim: string | null = null, now = new Date()) {
  const row = await db
    .selectFrom('sponsorships')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'sponsorships.beneficiary_id')
    .select([
      'sponsorships.id',
      'sponsorships.frequency',
      'sponsorships.status',
      'sponsorships.created_at',
      'sponsorships.programme_id',
      'sponsorships.beneficiary_id',
      'sponsorships.donor_name',
      'sponsorships.donor_email',
      'beneficiaries.public_code',
    ])
    .where('sponsorships.id', '=', id)
    .where('sponsorships.status', 'in', ['pending', 'active'])
    .executeTakeFirst()
  if (!row) return null
  const held = row.created_at > new Date(now.getTime() - SPONSOR_HOLD_MS).toISOString()
  if (row.status === 'pending' && !held) {
    const free = await listSponsorable(db, { programmeId: row.programme_id, limit: 10_000, now })
    if (!free.some((s) => s.id === row.beneficiary_id)) return null
  }
  const mine = claimHolds(Number(row.id), claim)
  return {
    id: Number(row.id),
    frequency: row.frequency,
    publicCode: row.public_code,
    donor: mine ? { name: row.donor_name, email: row.donor_email } : null,
  }
}

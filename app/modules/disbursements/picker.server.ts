import type { DB } from '~/utils/db.server'
import { fundOfCampaign, fundOfSponsorship, getBalance } from '../ledger'
import type { Programme } from '../programmes/programmes.server'
import { countyOfStations, listCounties, type StationRow } from '../transparency/places.server'
import { pathInScope, scopeCondition } from '../stations/scope.server'
import { cappedInTerm } from './batches.server'

// The award batch form's student picker: who a preparer may put in a batch, and the money
// the batch may draw on. It shows what the list of students shows (pseudonym code, county,
// grade; no personal data) and says why a student cannot be picked, so the preparer does
// not learn it from a refusal. prepareBatch checks everything again.

export type PickReason = 'ineligible' | 'capped' | 'noSponsorship' | 'noFunds'

export type PickableStudent = {
  id: number
  publicCode: string
  grade: string
  county: { code: string; name: string; nameEn: string } | null
  /** The sponsorship fund's balance, for a sponsorship programme (each student has their own fund). */
  balance: number | null
  /** Why the student cannot be picked for this programme and term; null when they can. */
  reason: PickReason | null
}

export type PickerInput = { programme: Programme; term: string; stationId: number; q?: string; limit?: number }

/**
 * Active students with a current guardian consent, at the batch's station or below it and
 * inside the preparer's scope, optionally narrowed by a code fragment; at most `limit`.
 */
export async function pickableStudents(db: DB, scope: string[], input: PickerInput): Promise<PickableStudent[]> {
  const station = await db.selectFrom('stations').select(['path']).where('id', '=', input.stationId).executeTakeFirst()
  if (!station || !pathInScope(scope, station.path)) return []
  let q = db
    .selectFrom('beneficiaries')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .select([
      'beneficiaries.id',
      'beneficiaries.public_code',
      'beneficiaries.grade',
      'beneficiaries.categories',
      'beneficiaries.station_id',
    ])
    .where(scopeCondition('stations.path', [station.path]))
    .where('beneficiaries.status', '=', 'active')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('beneficiary_consents as bc')
          .select('bc.id')
          .whereRef('bc.beneficiary_id', '=', 'beneficiaries.id')
          .where('bc.withdrawn_at', 'is', null),
      ),
    )
  const fragment = input.q
    ?.trim()
    .toUpperCase()
    .replace(/[%_\\]/g, '')
  if (fragment) q = q.where('beneficiaries.public_code', 'like', `%${fragment}%`)
  const rows = await q
    .orderBy('beneficiaries.public_code')
    .limit(input.limit ?? 100)
    .execute()
  const ids = rows.map((r) => Number(r.id))
  const [capped, stations, counties, sponsorships] = await Promise.all([
    cappedInTerm(db, input.term, ids),
    db.selectFrom('stations').select(['id', 'code', 'level', 'path']).execute(),
    listCounties(db),
    input.programme.kind === 'sponsorship' && ids.length
      ? db
          .selectFrom('sponsorships')
          .select(['id', 'beneficiary_id'])
          .where('programme_id', '=', input.programme.id)
          .where('status', '=', 'active')
          .where('beneficiary_id', 'in', ids)
          .execute()
      : Promise.resolve([]),
  ])
  const countyOf = countyOfStations(stations as StationRow[])
  const fundOf = new Map(sponsorships.map((s) => [Number(s.beneficiary_id), fundOfSponsorship(Number(s.id))]))
  const out: PickableStudent[] = []
  for (const r of rows) {
    const id = Number(r.id)
    const categories = JSON.parse(r.categories) as string[]
    const fund = fundOf.get(id)
    const balance = fund ? await getBalance(db, fund, input.programme.currency) : null
    let reason: PickReason | null = null
    if (!categories.some((c) => input.programme.eligibleCategories.includes(c))) reason = 'ineligible'
    else if (capped.has(id)) reason = 'capped'
    else if (input.programme.kind === 'sponsorship' && !fund) reason = 'noSponsorship'
    else if (balance !== null && balance < input.programme.awardAmount) reason = 'noFunds'
    out.push({
      id,
      publicCode: r.public_code,
      grade: r.grade,
      county: counties.get(countyOf(Number(r.station_id))) ?? null,
      balance,
      reason,
    })
  }
  return out
}

export type BatchFund = { fund: string; title: string; titleEn: string; balance: number; currency: string }

/** The campaign fund a (non-sponsorship) batch draws on, and its balance now; null when none is chosen. */
export async function batchFund(db: DB, programme: Programme, campaignId: number | null): Promise<BatchFund | null> {
  const campaign = programme.campaigns.find((c) => c.id === campaignId)
  if (programme.kind === 'sponsorship' || !campaign) return null
  const fund = fundOfCampaign(campaign.id)
  return {
    fund,
    title: campaign.title,
    titleEn: campaign.titleEn,
    balance: await getBalance(db, fund, programme.currency),
    currency: programme.currency,
  }
}

/** At most this many students listed (and ticked) at once; a search by code narrows the rest. */
export const PICK_MAX = 100

export type Picker = {
  students: PickableStudent[]
  more: boolean
  fund: BatchFund | null
  sponsorship: boolean
  awardAmount: number
  currency: string
}

/** What the form shows after "Show students": the list and the fund the batch would draw on. */
export async function pickerFor(
  db: DB,
  scope: string[],
  input: Omit<PickerInput, 'limit'> & { campaignId: number | null },
): Promise<Picker> {
  const students = await pickableStudents(db, scope, { ...input, limit: PICK_MAX + 1 })
  return {
    students: students.slice(0, PICK_MAX),
    more: students.length > PICK_MAX,
    fund: await batchFund(db, input.programme, input.campaignId),
    sponsorship: input.programme.kind === 'sponsorship',
    awardAmount: input.programme.awardAmount,
    currency: input.programme.currency,
  }
}

/** Each funding campaign's fund balance now, in its programme's currency, by campaign id. */
export async function campaignBalances(db: DB, programmes: Programme[]): Promise<Record<number, number>> {
  const out: Record<number, number> = {}
  for (const p of programmes)
    for (const c of p.campaigns) out[c.id] ??= await getBalance(db, fundOfCampaign(c.id), p.currency)
  return out
}

import type { Transaction } from 'kysely'
import type { Database } from '../schema'
import { seedAwardBatches } from './award-batches'
import { seedSponsorship } from './sponsorship'
import { seedWishes } from './wishes'

// Demo students and scholarships: a consent record for every seeded child (required
// under 14; one in ten declines a public story), status histories, a PAID award batch
// of 学子阳光 (prepared by the 镇雄 caseworker, approved by finance, paid with a proof),
// a batch awaiting approval, an active 1+1 sponsorship with letters, and micro-wishes
// (open, one held by an expired claim, one fulfilled). Money moves only through the
// ledger's own commands and the real fulfilment path.

export type Trx = Transaction<Database>
const RELATIONSHIPS = ['母亲', '父亲', '祖母', '祖父', '姑姑']

/** What the scholarship seed's parts share; `used` keeps each student to one award, sponsorship or wish. */
export type ScholarshipSeed = {
  trx: Trx
  ago: (minutes: number) => string
  user: (email: string) => number
  students: Student[]
  programmes: Map<string, number>
  campaigns: Map<string, number>
  stationId: (code: string) => Promise<number>
  inCounty: (county: string) => Student[]
  used: Set<number>
}
export type Student = Awaited<ReturnType<typeof loadStudents>>[number]

function loadStudents(trx: Trx) {
  return trx
    .selectFrom('beneficiaries')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .select([
      'beneficiaries.id',
      'beneficiaries.public_code',
      'beneficiaries.guardian_name',
      'beneficiaries.categories',
      'beneficiaries.created_at',
      'stations.code as station_code',
      'stations.id as station_id',
    ])
    .orderBy('beneficiaries.id')
    .execute()
}

export async function seedScholarships(trx: Trx, { now }: { now: Date }) {
  const at = now.toISOString()
  const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString()
  const users = new Map(
    (await trx.selectFrom('users').select(['id', 'email']).execute()).map((u) => [u.email, Number(u.id)]),
  )
  const user = (email: string) => users.get(email)!
  const students = await loadStudents(trx)

  // Consents and status histories for every child.
  await trx
    .insertInto('beneficiary_consents')
    .values(
      students.map((s, i) => ({
        beneficiary_id: s.id,
        guardian_name: s.guardian_name,
        relationship: RELATIONSHIPS[i % RELATIONSHIPS.length]!,
        consented_on: ago(60 * 24 * 90).slice(0, 10),
        public_story: i % 10 === 9 ? 0 : 1,
        photo: i % 3 === 0 ? 1 : 0,
        first_name_to_sponsor: i % 2 === 0 ? 1 : 0,
        recorded_by: null,
        recorded_at: ago(60 * 24 * 90),
        withdrawn_at: null,
        withdrawn_by: null,
      })),
    )
    .execute()
  await trx
    .insertInto('beneficiary_status_history')
    .values(
      students.flatMap((s) => [
        {
          beneficiary_id: s.id,
          from_status: null,
          to_status: 'new' as const,
          reason: 'registered',
          changed_by: null,
          changed_at: ago(60 * 24 * 95),
        },
        {
          beneficiary_id: s.id,
          from_status: 'new' as const,
          to_status: 'active' as const,
          reason: 'verified at home visit',
          changed_by: null,
          changed_at: ago(60 * 24 * 90),
        },
      ]),
    )
    .execute()

  const programmes = new Map(
    (await trx.selectFrom('programmes').select(['id', 'slug']).execute()).map((p) => [p.slug, Number(p.id)]),
  )
  const campaigns = new Map(
    (await trx.selectFrom('campaigns').select(['id', 'slug']).execute()).map((c) => [c.slug, Number(c.id)]),
  )
  const stationId = async (code: string) =>
    Number((await trx.selectFrom('stations').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id)
  const inCounty = (county: string) => students.filter((s) => s.station_code.startsWith(county))
  const used = new Set(students.slice(0, 3).map((s) => s.id)) // seedMoney's autumn awards
  const s: ScholarshipSeed = { trx, ago, user, students, programmes, campaigns, stationId, inCounty, used }
  await seedAwardBatches(s)
  await seedSponsorship(s)
  await seedWishes(s)
  return { at }
}

// Shared set-up for the students and scholarships tests: a seeded database, actors
// scoped like the demo staff, and a programme whose fund holds a known amount.
import { fundOfCampaign, postDonation } from '~/modules/ledger'
import type { DB } from '~/utils/db.server'
import { makeNationalId } from '~/modules/beneficiaries/national-id'

export async function stationPath(db: DB, code: string): Promise<string> {
  return (await db.selectFrom('stations').select('path').where('code', '=', code).executeTakeFirstOrThrow()).path
}

export async function stationIdOf(db: DB, code: string): Promise<number> {
  return Number((await db.selectFrom('stations').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id)
}

export async function userIdOf(db: DB, email: string): Promise<number> {
  return Number((await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id)
}

let made = 0
/** Fresh active students at a station (county code prefix of the station code), with a public-story consent. */
export async function freeStudents(db: DB, stationCode: string, n: number, options: { birthYear?: number } = {}) {
  const station = await db
    .selectFrom('stations')
    .select(['id', 'code'])
    .where('code', '=', stationCode)
    .executeTakeFirstOrThrow()
  const out: { id: number; code: string }[] = []
  for (let i = 0; i < n; i++) {
    made++
    const code = `HP-${stationCode.slice(0, 6)}-T${String(made).padStart(4, '0')}${Date.now() % 100000}`
    const birth = `${options.birthYear ?? 2012}-03-${String(1 + (made % 28)).padStart(2, '0')}`
    const at = new Date().toISOString()
    const row = await db
      .insertInto('beneficiaries')
      .values({
        public_code: code,
        station_id: station.id,
        legal_name: `测试学生${made}`,
        gender: 'female',
        birth_date: birth,
        national_id:
          makeNationalId(stationCode.slice(0, 6), birth, 500 + (made % 400)).slice(0, 14) +
          String(made % 1000).padStart(3, '0') +
          'X',
        school: `测试学校${made}`,
        grade: '初中一年级',
        categories: JSON.stringify(['dibao', 'left_behind']),
        guardian_name: `监护人${made}`,
        guardian_phone: '19900009999',
        status: 'active',
        next_verification_on: null,
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('beneficiary_consents')
      .values({
        beneficiary_id: row.id,
        guardian_name: `监护人${made}`,
        relationship: '母亲',
        consented_on: '2026-09-01',
        public_story: 1,
        photo: 0,
        first_name_to_sponsor: 1,
        recorded_by: null,
        recorded_at: at,
        withdrawn_at: null,
        withdrawn_by: null,
      })
      .execute()
    out.push({ id: Number(row.id), code })
  }
  return out
}

let seq = 0
/** A scholarship programme (award ¥1,000, term 2027-spring, every category) with a campaign holding `balance`. */
export async function fundedProgramme(db: DB, balance: number) {
  seq++
  const at = new Date().toISOString()
  const p = await db
    .insertInto('programmes')
    .values({
      slug: `test-bursary-${seq}-${Date.now()}`,
      kind: 'scholarship',
      name: '测试助学金',
      name_en: 'Test bursary',
      award_amount: 100000,
      currency: 'CNY',
      terms: JSON.stringify(['2027-spring', '2027-autumn']),
      eligible_categories: JSON.stringify(['dibao', 'tekun', 'disability', 'left_behind', 'orphan', 'other']),
      created_at: at,
    })
    .returning(['id', 'slug'])
    .executeTakeFirstOrThrow()
  const c = await db
    .insertInto('campaigns')
    .values({
      slug: `test-campaign-${seq}-${Date.now()}`,
      title: '测试募捐',
      title_en: 'Test campaign',
      goal_amount: 1000000,
      currency: 'CNY',
      station_id: null,
      status: 'active',
      starts_at: at,
      ends_at: null,
      created_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('campaign_programmes')
    .values({ campaign_id: Number(c.id), programme_id: Number(p.id), created_at: at })
    .execute()
  const fund = fundOfCampaign(Number(c.id))
  if (balance > 0) {
    await db.transaction().execute((trx) =>
      postDonation(trx, {
        idempotencyKey: `test:donation:${fund}`,
        donationRef: `D-TEST-${seq}-${Date.now()}`,
        fund,
        amount: balance,
        fee: 0,
        currency: 'CNY',
        paidAt: at,
        displayName: '爱心人士',
      }),
    )
  }
  return { programmeId: Number(p.id), slug: p.slug, campaignId: Number(c.id), fund }
}

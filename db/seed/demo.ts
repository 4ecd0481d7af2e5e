import type { Kysely } from 'kysely'
import { makeNationalId } from '../../app/modules/beneficiaries/national-id'
import { hashPassword } from '../../app/modules/auth/password.server'
import type { Database, Role } from '../schema'
import { seedGifts } from './gifts'
import { seedTeams } from './teams'
import { seedMatching } from './matching'
import { seedMoney } from './money'
import { seedOrganisation } from './organisation'
import { seedScholarships } from './scholarships'
import { yunnan, type PlaceSeed } from './places'

// Obviously fake personal data. Tests use every one of these values as a canary:
// none may ever appear on a public page, export or API.
const FAMILY = ['赵', '钱', '孙', '李', '周', '吴', '郑', '王', '冯', '陈', '褚', '卫']
const GIVEN = ['假明', '测芳', '虚强', '样丽', '例军', '拟敏', '演杰', '示娟', '假磊', '测静']
const GRADES = [
  '小学三年级',
  '小学四年级',
  '小学五年级',
  '小学六年级',
  '初中一年级',
  '初中二年级',
  '初中三年级',
  '高中一年级',
  '高中二年级',
  '高中三年级',
]
const CATEGORIES = ['dibao', 'tekun', 'disability', 'left_behind', 'orphan', 'other'] as const

export const DEMO_PASSWORD = 'hope-demo-2026'
export const DEMO_STAFF: { email: string; name: string; role: Role; station: string }[] = [
  { email: 'admin@hope.demo', name: '演示管理员', role: 'admin', station: '530000' },
  { email: 'finance@hope.demo', name: '演示财务', role: 'finance', station: '530000' },
  { email: 'finance2@hope.demo', name: '演示财务二', role: 'finance', station: '530000' },
  { email: 'caseworker.zhenxiong@hope.demo', name: '镇雄社工', role: 'caseworker', station: '530627' },
  { email: 'caseworker.huize@hope.demo', name: '会泽社工', role: 'caseworker', station: '530326' },
  { email: 'auditor@hope.demo', name: '演示审计', role: 'auditor', station: '530000' },
]

/** Deterministic pseudo-random numbers so the demo is the same on every machine. */
function prng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

export type SeedResult = { seeded: boolean; staff: typeof DEMO_STAFF; password: string }

/** Seed the demo into an empty database; a database with stations is left untouched. */
export async function seedDemo(db: Kysely<Database>, { now = new Date() }: { now?: Date } = {}): Promise<SeedResult> {
  const existing = await db.selectFrom('stations').select('id').limit(1).executeTakeFirst()
  if (existing) return { seeded: false, staff: DEMO_STAFF, password: DEMO_PASSWORD }
  const passwordHash = await hashPassword(DEMO_PASSWORD)
  const at = now.toISOString()

  await db.transaction().execute(async (trx) => {
    await seedOrganisation(trx, at)
    const stationIds = new Map<string, number>()
    const insertPlace = async (place: PlaceSeed, parent?: { id: number; path: string }) => {
      const row = await trx
        .insertInto('stations')
        .values({
          parent_id: parent?.id ?? null,
          level: place.level,
          code: place.code,
          name: place.name,
          name_en: place.nameEn,
          path: 'pending',
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const path = `${parent?.path ?? '/'}${row.id}/`
      await trx.updateTable('stations').set({ path }).where('id', '=', row.id).execute()
      stationIds.set(place.code, row.id)
      for (const child of place.children ?? []) await insertPlace(child, { id: row.id, path })
    }
    await insertPlace(yunnan)
    const station = (code: string) => stationIds.get(code)!

    const programmes = await trx
      .insertInto('programmes')
      .values([
        {
          slug: 'hope-star-1-plus-1',
          kind: 'sponsorship',
          name: '希望之星 1+1 奖学金',
          name_en: 'Hope Star 1+1 Scholarship',
          description: '一位爱心人士结对资助一名学生一个学年。',
          description_en: 'One donor sponsors one student for a school year.',
          award_amount: 150000,
          currency: 'CNY',
          terms: JSON.stringify(['2026-autumn', '2027-spring']),
          eligible_categories: JSON.stringify(['dibao', 'tekun', 'left_behind', 'orphan']),
          created_at: at,
        },
        {
          slug: 'sunshine-bursary',
          kind: 'scholarship',
          name: '学子阳光 助学金',
          name_en: 'Sunshine Student Bursary',
          description: '每学期为家庭困难学生发放助学金。',
          description_en: 'A bursary each term for students from families in hardship.',
          award_amount: 80000,
          currency: 'CNY',
          terms: JSON.stringify(['2026-autumn', '2027-spring']),
          eligible_categories: JSON.stringify(['dibao', 'tekun', 'disability', 'left_behind', 'orphan']),
          created_at: at,
        },
      ])
      .returning(['id', 'slug'])
      .execute()
    const programme = (slug: string) => programmes.find((p) => p.slug === slug)!.id

    const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString()
    const seededCampaigns = await trx
      .insertInto('campaigns')
      .values([
        {
          slug: 'hope-star-2026',
          title: '希望之星 1+1 · 2026 学年',
          title_en: 'Hope Star 1+1 · school year 2026',
          summary: '结对资助云南山区的孩子完成一个学年的学业。',
          summary_en: 'Pair with a child in rural Yunnan for a whole school year.',
          story:
            '在镇雄、会泽、兰坪的大山里，许多孩子每天要走两个小时的山路上学。一份结对资助，能让一个孩子安心读完一个学年。',
          story_en:
            'In the mountains of Zhenxiong, Huize and Lanping, many children walk two hours each way to school. One sponsorship keeps a child in class for a whole year.',
          goal_amount: 30000000,
          currency: 'CNY',
          station_id: station('530000'),
          status: 'active',
          starts_at: inDays(-60),
          ends_at: inDays(120),
          created_at: at,
        },
        {
          slug: 'sunshine-autumn-2026',
          title: '学子阳光 · 2026 秋季学期助学',
          title_en: 'Sunshine bursaries · autumn term 2026',
          summary: '为低保、特困家庭的学生发放秋季学期助学金。',
          summary_en: 'Autumn-term bursaries for students from families on minimum-living support.',
          story: '助学金直接发放到学生家庭，用于学费、住宿和交通。每一笔发放都会记录在公开账本上。',
          story_en:
            'Bursaries are paid straight to families for fees, boarding and travel. Every payout is recorded in the public ledger.',
          goal_amount: 20000000,
          currency: 'CNY',
          station_id: station('530000'),
          status: 'active',
          starts_at: inDays(-30),
          ends_at: inDays(60),
          created_at: at,
        },
        {
          slug: 'warm-winter-wishes',
          title: '温暖冬衣 · 微心愿',
          title_en: 'Warm winter · micro-wishes',
          summary: '一件冬衣、一个书包，认领孩子的一个小小心愿。',
          summary_en: 'A winter coat, a schoolbag: fulfil one small wish of a child.',
          story: '冬天的滇东北山区气温常在零度以下。孩子们写下自己的小心愿，由你来认领和实现。',
          story_en:
            'Winter in the northeast Yunnan highlands often falls below zero. Children write down a small wish for you to fulfil.',
          goal_amount: 5000000,
          currency: 'CNY',
          station_id: station('530000'),
          status: 'active',
          starts_at: inDays(-10),
          ends_at: inDays(45),
          created_at: at,
        },
      ])
      .returning(['id', 'slug'])
      .execute()
    const campaignId = (slug: string) => seededCampaigns.find((c) => c.slug === slug)!.id
    await trx
      .insertInto('campaign_programmes')
      .values([
        { campaign_id: campaignId('hope-star-2026'), programme_id: programme('hope-star-1-plus-1'), created_at: at },
        {
          campaign_id: campaignId('sunshine-autumn-2026'),
          programme_id: programme('sunshine-bursary'),
          created_at: at,
        },
      ])
      .execute()

    const counties = [
      { code: '530627', places: ['530627101201', '530627101', '530627102'] },
      { code: '530326', places: ['530326101', '530326'] },
      { code: '533325', places: ['533325101', '533325'] },
      { code: '533323', places: ['533323'] },
      { code: '533301', places: ['533301'] },
      { code: '530724', places: ['530724'] },
      { code: '532627', places: ['532627'] },
    ]
    const random = prng(20261123)
    const students = []
    for (let i = 0; i < 60; i++) {
      const county = counties[i % counties.length]!
      const place = county.places[Math.floor(random() * county.places.length)]!
      const gradeIndex = Math.floor(random() * GRADES.length)
      const birthYear = 2026 - 9 - gradeIndex
      const birthDate = `${birthYear}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`
      const seq = i + 1
      const cats = [
        CATEGORIES[Math.floor(random() * 4)]!,
        ...(random() < 0.3 ? [CATEGORIES[3 + Math.floor(random() * 3)]!] : []),
      ]
      students.push({
        public_code: `HP-${county.code}-${String(seq).padStart(4, '0')}`,
        station_id: station(place),
        legal_name: `${FAMILY[i % FAMILY.length]}${GIVEN[Math.floor(i / FAMILY.length) % GIVEN.length]}${String.fromCharCode(0x7532 + (i % 10))}`,
        gender: (i % 2 === 0 ? 'female' : 'male') as 'female' | 'male',
        birth_date: birthDate,
        national_id: makeNationalId(county.code, birthDate, 100 + seq),
        school: `演示假设第${(i % 9) + 1}${gradeIndex < 4 ? '小学' : gradeIndex < 7 ? '初级中学' : '高级中学'}（测试${seq}号）`,
        grade: GRADES[gradeIndex]!,
        categories: JSON.stringify([...new Set(cats)]),
        guardian_name: `${FAMILY[(i + 5) % FAMILY.length]}监护${seq}`,
        guardian_phone: `1990000${String(seq).padStart(4, '0')}`,
        status: 'active' as const,
        next_verification_on: inDays(90 + (i % 60)).slice(0, 10),
        created_at: at,
      })
    }
    await trx.insertInto('beneficiaries').values(students).execute()

    for (const s of DEMO_STAFF) {
      const user = await trx
        .insertInto('users')
        .values({ email: s.email, display_name: s.name, password_hash: passwordHash, created_at: at })
        .returning('id')
        .executeTakeFirstOrThrow()
      await trx
        .insertInto('role_grants')
        .values({ user_id: user.id, role: s.role, station_id: station(s.station), created_at: at })
        .execute()
    }

    // Money: demo gifts through the real fulfilment path (donation, ledger, receipt).
    await seedMatching(trx, { now })
    await seedGifts(trx, { now })
    await seedMoney(trx, { now })
    await seedScholarships(trx, { now })
    await seedTeams(trx, { now })
  })
  return { seeded: true, staff: DEMO_STAFF, password: DEMO_PASSWORD }
}

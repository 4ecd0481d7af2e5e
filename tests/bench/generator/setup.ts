// What both generator modes share: a migrated, demo-seeded database, a campaign of the
// generator's own (so its fund starts empty and FIFO over it is the generator's alone),
// and the shape of the data (award amount, the award schedule among the donations).
import { sql } from 'kysely'
import type { DB } from '../../../app/utils/db.server'
import { migrateToLatest } from '../../../db/migrator'
import { seedDemo } from '../../../db/seed/demo'

export type Mode = 'modules' | 'bulk'
export type Sizes = { donations: number; students: number; awards: number }

/** Every award is this much (minor units): below the bursary's cap, so batches accept it. */
export const AWARD_AMOUNT = 50_000
export const PROGRAMME_SLUG = 'sunshine-bursary'

/** Awards due once `made` of `sizes.donations` donations exist: spread evenly among them. */
export const awardsDue = (made: number, sizes: Sizes) =>
  sizes.donations ? Math.floor((made * sizes.awards) / sizes.donations) : 0

/** Migrate, and seed the demo (stations, programmes, staff) into an empty database. */
export async function prepareDatabase(db: DB, now?: Date): Promise<void> {
  await migrateToLatest(db)
  await seedDemo(db, now ? { now } : {})
}

export type BenchCampaign = {
  id: number
  fund: string
  programmeId: number
  terms: string[]
  rootStationId: number
  rootPath: string
}

/** A campaign of the bursary programme at the province station, active from `startsAt`. */
export async function createBenchCampaign(
  db: DB,
  c: { slug?: string; title?: string; titleEn?: string; startsAt: string; now: string },
): Promise<BenchCampaign> {
  const programme = await db
    .selectFrom('programmes')
    .select(['id', 'terms'])
    .where('slug', '=', PROGRAMME_SLUG)
    .executeTakeFirst()
  const root = await db
    .selectFrom('stations')
    .select(['id', 'path'])
    .where('level', '=', 'province')
    .orderBy('id')
    .executeTakeFirst()
  if (!programme || !root)
    throw new Error(`the database has no ${PROGRAMME_SLUG} programme or province station: is it demo-seeded?`)
  const taken = await db
    .selectFrom('campaigns')
    .select(sql<number>`count(*)`.as('n'))
    .where('slug', 'like', 'generated-%')
    .executeTakeFirstOrThrow()
  const slug = c.slug ?? `generated-${Number(taken.n) + 1}`
  const row = await db
    .insertInto('campaigns')
    .values({
      slug,
      title: c.title ?? `生成数据 ${slug}`,
      title_en: c.titleEn ?? `Generated data ${slug}`,
      goal_amount: 100_000_000_000,
      currency: 'CNY',
      station_id: root.id,
      status: 'active',
      starts_at: c.startsAt,
      ends_at: null,
      created_at: c.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const id = Number(row.id)
  await db
    .insertInto('campaign_programmes')
    .values({ campaign_id: id, programme_id: Number(programme.id), created_at: c.now })
    .execute()
  return {
    id,
    fund: `fund:campaign:${id}`,
    programmeId: Number(programme.id),
    terms: JSON.parse(programme.terms),
    rootStationId: Number(root.id),
    rootPath: root.path,
  }
}

/** The stations students are registered at (county level and below), in id order. */
export async function studentStations(db: DB): Promise<{ id: number; code: string }[]> {
  const rows = await db
    .selectFrom('stations')
    .select(['id', 'code'])
    .where('level', 'in', ['county', 'township', 'community'])
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ id: Number(r.id), code: r.code }))
}

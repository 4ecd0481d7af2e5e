// The scenario fuzz's starting point: a migrated database with a small cast (one station,
// a caseworker and two finance approvers, a scholarship programme funded by two campaigns,
// a few active students, a matching pool on campaign "a" funded by a sponsor), built ONCE
// as a template and copied per seed — a file copy on SQLite, CREATE DATABASE … TEMPLATE on
// PostgreSQL — so a seed costs a copy, not a migration.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { createPool, fundPool } from '~/modules/matching/pools.server'
import { PoolInput } from '~/modules/matching/schema'
import { createDatabase, type DB } from '~/utils/db.server'
import { migrateToLatest } from '../../../db/migrator'
import { createPgDatabase, pgAdmin } from '../../support/pg-database'

export type Dialect = 'sqlite' | 'postgres'

/** What a scenario may refer to: fixed ids of the cast (the same in every copy). */
export type Cast = {
  stationId: number
  scope: string[]
  caseworkerId: number
  financeIds: [number, number]
  programmeId: number
  awardAmount: number
  campaigns: { id: number; slug: string }[]
  students: number[]
  /** The matching pool of campaign "a" (MATCH_POOL) and the public id of the sponsor's gift funding it. */
  pool: { id: number; sponsorGift: string }
}

export const STUDENTS = 5
export const TERMS = ['2027-spring', '2027-autumn']
export const AWARD_AMOUNT = 100_000

/**
 * The matching pool (配捐) on campaign "a", in fen, as the model mirrors it. 1:1; gifts of
 * 1,000, 5,000 and 10,000 fen of the step generator's amounts are below its minimum (20,000
 * is exactly at it); big gifts are cut at 150,000; three donor emails (steps.ts) share
 * 250,000 a China day each. Open every day from before the scenario clock's first step
 * (2026-03-01 00:00 UTC) to well past its last (40 steps of an hour: 2026-03-03 China
 * time). Its 400,000 fen, the sponsor's offline gift booked on 2026-02-27, run dry in some
 * seeds and not in others.
 */
export const MATCH_POOL = {
  campaign: 0,
  currency: 'CNY',
  ratioGift: 1,
  ratioMatch: 1,
  minGift: 20_000,
  capPerGift: 150_000,
  capPerDonorDay: 250_000,
  capTotal: null as number | null,
  startsOn: '2026-03-01',
  endsOn: '2026-03-31',
  funding: { amount: 400_000, receivedOn: '2026-02-27', reference: 'SPONSOR-SCENARIO-1', donorName: '情景配捐企业' },
}

const yuan = (fen: number | null) => (fen === null ? '' : (fen / 100).toFixed(2))

async function castInto(db: DB): Promise<Cast> {
  const at = '2026-01-01T00:00:00.000Z'
  const station = await db
    .insertInto('stations')
    .values({ parent_id: null, level: 'county', code: '530627', name: '镇雄县', name_en: 'Zhenxiong', path: 'pending' })
    .returning('id')
    .executeTakeFirstOrThrow()
  const stationPath = `/${station.id}/`
  await db.updateTable('stations').set({ path: stationPath }).where('id', '=', station.id).execute()
  const user = async (email: string, role: 'caseworker' | 'finance') => {
    const u = await db
      .insertInto('users')
      .values({ email, display_name: email.split('@')[0]!, password_hash: null, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db.insertInto('role_grants').values({ user_id: u.id, role, station_id: station.id, created_at: at }).execute()
    return Number(u.id)
  }
  const caseworkerId = await user('caseworker@scenario.test', 'caseworker')
  const financeIds: [number, number] = [
    await user('finance1@scenario.test', 'finance'),
    await user('finance2@scenario.test', 'finance'),
  ]
  const programme = await db
    .insertInto('programmes')
    .values({
      slug: 'scenario-bursary',
      kind: 'scholarship',
      name: '情景助学金',
      name_en: 'Scenario bursary',
      award_amount: AWARD_AMOUNT,
      currency: 'CNY',
      terms: JSON.stringify(TERMS),
      eligible_categories: JSON.stringify(['dibao', 'left_behind']),
      created_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const campaigns: Cast['campaigns'] = []
  for (const slug of ['scenario-a', 'scenario-b']) {
    const c = await db
      .insertInto('campaigns')
      .values({
        slug,
        title: `情景募捐 ${slug}`,
        title_en: `Scenario ${slug}`,
        goal_amount: 10_000_000,
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
      .values({ campaign_id: Number(c.id), programme_id: Number(programme.id), created_at: at })
      .execute()
    campaigns.push({ id: Number(c.id), slug })
  }
  const students: number[] = []
  for (let i = 1; i <= STUDENTS; i++) {
    const s = await db
      .insertInto('beneficiaries')
      .values({
        public_code: `HP-530627-S${String(i).padStart(3, '0')}`,
        station_id: station.id,
        legal_name: `情景学生${i}`,
        gender: i % 2 ? 'female' : 'male',
        birth_date: `2012-03-0${i}`,
        national_id: `5306272012030${String(i).padStart(3, '0')}X`,
        school: '情景中学',
        grade: '初中一年级',
        categories: JSON.stringify(['dibao']),
        guardian_name: `监护人${i}`,
        guardian_phone: '19900009999',
        status: 'active',
        next_verification_on: null,
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    students.push(Number(s.id))
  }
  const p = MATCH_POOL
  const poolId = await createPool(
    db,
    { id: financeIds[0] },
    PoolInput.parse({
      name: '情景配捐池',
      sponsor: p.funding.donorName,
      rule: 'ratio',
      ratioGift: String(p.ratioGift),
      ratioMatch: String(p.ratioMatch),
      minGift: yuan(p.minGift),
      capPerGift: yuan(p.capPerGift),
      capPerDonorDay: yuan(p.capPerDonorDay),
      capTotal: yuan(p.capTotal),
      startsOn: p.startsOn,
      endsOn: p.endsOn,
      campaignIds: [String(campaigns[p.campaign]!.id)],
    }),
    new Date(at),
  )
  const sponsor = await fundPool(db, { id: financeIds[0] }, poolId, {
    reference: p.funding.reference,
    receivedOn: p.funding.receivedOn,
    amount: p.funding.amount,
    donorName: p.funding.donorName,
    donorEmail: 'sponsor@scenario.test',
  })
  return {
    stationId: Number(station.id),
    scope: [stationPath],
    caseworkerId,
    financeIds,
    programmeId: Number(programme.id),
    awardAmount: AWARD_AMOUNT,
    campaigns,
    students,
    pool: { id: poolId, sponsorGift: sponsor.publicId },
  }
}

/** The migrated database with its cast, copied once per seed. */
export type Template = {
  dialect: Dialect
  cast: Cast
  /** A fresh copy for one seed: its URL and a remover. */
  copy(label: string): Promise<{ url: string; drop: () => Promise<void> }>
  dispose(): Promise<void>
}

/** A process's connection to a seed's database; opening it again is the "restart". */
export function open(url: string): DB {
  return createDatabase(url, { poolSize: 4 }).db
}

/** Migrate db and put the cast in; db is destroyed either way (a template is copied closed). */
async function build(db: DB, after?: () => Promise<unknown>): Promise<Cast> {
  try {
    await migrateToLatest(db)
    const cast = await castInto(db)
    await after?.()
    return cast
  } finally {
    await db.destroy()
  }
}

export async function sqliteTemplate(): Promise<Template> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-scenario-'))
  const file = path.join(dir, 'template.db')
  let cast: Cast
  try {
    const db = open(`sqlite:${file}`)
    // Fold the WAL into the main file so that one file copy is the whole database.
    cast = await build(db, () => sql`pragma wal_checkpoint(truncate)`.execute(db))
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    dialect: 'sqlite',
    cast,
    async copy(label) {
      const target = path.join(dir, `${label}.db`)
      fs.copyFileSync(file, target)
      return {
        url: `sqlite:${target}`,
        drop: async () => {
          for (const f of [target, `${target}-wal`, `${target}-shm`]) fs.rmSync(f, { force: true })
        },
      }
    },
    async dispose() {
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function postgresTemplate(adminUrl: string): Promise<Template> {
  const admin = pgAdmin(adminUrl)
  let cast: Cast
  let tpl: Awaited<ReturnType<typeof createPgDatabase>> | undefined
  try {
    tpl = await createPgDatabase(adminUrl, 'scn_tpl', { admin })
    // build() closes its connections: a template must have none open when it is copied.
    cast = await build(open(tpl.url))
  } catch (error) {
    await tpl?.drop().catch(() => undefined)
    await admin.destroy()
    throw error
  }
  const template = tpl
  return {
    dialect: 'postgres',
    cast,
    async copy(label) {
      return createPgDatabase(adminUrl, `scn_${label}`, { admin, template: template.name })
    },
    async dispose() {
      try {
        await template.drop()
      } finally {
        await admin.destroy()
      }
    },
  }
}

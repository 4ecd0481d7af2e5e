// The scenario fuzz's starting point: a migrated database with a small cast (one station,
// a caseworker and two finance approvers, a scholarship programme funded by two campaigns,
// a few active students), built ONCE as a template and copied per seed — a file copy on
// SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL — so a seed costs a copy, not a migration.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { createDatabase, type DB } from '~/utils/db.server'
import { migrateToLatest } from '../../../db/migrator'

export type Dialect = 'sqlite' | 'postgres'

/** What a scenario may refer to: fixed ids of the cast (the same in every copy). */
export type Cast = {
  stationId: number
  scope: string[]
  caseworkerId: number
  financeIds: [number, number]
  programmeId: number
  awardAmount: number
  terms: string[]
  campaigns: { id: number; slug: string }[]
  students: number[]
}

export const STUDENTS = 5
export const TERMS = ['2027-spring', '2027-autumn']
export const AWARD_AMOUNT = 100_000

async function castInto(db: DB): Promise<Cast> {
  const at = '2026-01-01T00:00:00.000Z'
  const station = await db.insertInto('stations').values({ parent_id: null, level: 'county', code: '530627', name: '镇雄县', name_en: 'Zhenxiong', path: 'pending' }).returning('id').executeTakeFirstOrThrow()
  const stationPath = `/${station.id}/`
  await db.updateTable('stations').set({ path: stationPath }).where('id', '=', station.id).execute()
  const user = async (email: string, role: 'caseworker' | 'finance') => {
    const u = await db.insertInto('users').values({ email, display_name: email.split('@')[0]!, password_hash: null, created_at: at }).returning('id').executeTakeFirstOrThrow()
    await db.insertInto('role_grants').values({ user_id: u.id, role, station_id: station.id, created_at: at }).execute()
    return Number(u.id)
  }
  const caseworkerId = await user('caseworker@scenario.test', 'caseworker')
  const financeIds: [number, number] = [await user('finance1@scenario.test', 'finance'), await user('finance2@scenario.test', 'finance')]
  const programme = await db
    .insertInto('programmes')
    .values({ slug: 'scenario-bursary', kind: 'scholarship', name: '情景助学金', name_en: 'Scenario bursary', award_amount: AWARD_AMOUNT, currency: 'CNY', terms: JSON.stringify(TERMS), eligible_categories: JSON.stringify(['dibao', 'left_behind']), created_at: at })
    .returning('id')
    .executeTakeFirstOrThrow()
  const campaigns: Cast['campaigns'] = []
  for (const slug of ['scenario-a', 'scenario-b']) {
    const c = await db
      .insertInto('campaigns')
      .values({ slug, title: `情景募捐 ${slug}`, title_en: `Scenario ${slug}`, goal_amount: 10_000_000, currency: 'CNY', programme_id: programme.id, station_id: null, status: 'active', starts_at: at, ends_at: null, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    campaigns.push({ id: Number(c.id), slug })
  }
  const students: number[] = []
  for (let i = 1; i <= STUDENTS; i++) {
    const s = await db
      .insertInto('beneficiaries')
      .values({
        public_code: `HP-530627-S${String(i).padStart(3, '0')}`, station_id: station.id, legal_name: `情景学生${i}`, gender: i % 2 ? 'female' : 'male', birth_date: `2012-03-0${i}`,
        national_id: `5306272012030${String(i).padStart(3, '0')}X`, school: '情景中学', grade: '初中一年级', categories: JSON.stringify(['dibao']),
        guardian_name: `监护人${i}`, guardian_phone: '19900009999', status: 'active', next_verification_on: null, created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    students.push(Number(s.id))
  }
  return { stationId: Number(station.id), scope: [stationPath], caseworkerId, financeIds, programmeId: Number(programme.id), awardAmount: AWARD_AMOUNT, terms: TERMS, campaigns, students }
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

export async function sqliteTemplate(): Promise<Template> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-scenario-'))
  const file = path.join(dir, 'template.db')
  const db = open(`sqlite:${file}`)
  await migrateToLatest(db)
  const cast = await castInto(db)
  // Fold the WAL into the main file so that one file copy is the whole database.
  await sql`pragma wal_checkpoint(truncate)`.execute(db)
  await db.destroy()
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
  const admin = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: adminUrl, max: 1 }) }) })
  const tpl = `scn_tpl_${crypto.randomBytes(4).toString('hex')}`
  const urlOf = (name: string) => adminUrl.replace(/\/[^/]*$/, `/${name}`)
  await sql`create database ${sql.id(tpl)}`.execute(admin)
  const db = open(urlOf(tpl))
  await migrateToLatest(db)
  const cast = await castInto(db)
  await db.destroy() // a template must have no open connections when it is copied
  return {
    dialect: 'postgres',
    cast,
    async copy(label) {
      const name = `scn_${label}_${crypto.randomBytes(3).toString('hex')}`
      await sql`create database ${sql.id(name)} template ${sql.id(tpl)}`.execute(admin)
      return { url: urlOf(name), drop: async () => {
        // A closed pool's server processes take a moment to exit; drop once they have (bounded wait).
        for (let i = 0; i < 50; i++) {
          const left = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = ${name}`.execute(admin)
          if (!left.rows[0]!.n) break
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin)
      } }
    },
    async dispose() {
      await sql`drop database if exists ${sql.id(tpl)} with (force)`.execute(admin)
      await admin.destroy()
    },
  }
}

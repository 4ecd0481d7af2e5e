import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PERMISSIONS, roleHas, type Permission, type RouteAccess } from '~/modules/auth/permissions'
import { hashPassword } from '~/modules/auth/password.server'
import {
  call,
  cookieFor,
  get,
  isLoginRedirect,
  post,
  seededDb,
  stationId,
  userId,
  type Outcome,
} from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Every admin route on disk × every role (+ anonymous, + the wrong station) → expected status.
// The list comes from app/routes itself: a new admin route without an `access` rule fails here.

type RouteModule = { access?: RouteAccess; loader?: (...a: any[]) => unknown; action?: (...a: any[]) => unknown }

const ROUTES_DIR = path.resolve('app/routes')
const adminFiles = fs
  .readdirSync(ROUTES_DIR)
  // <route>.server.ts beside a route is its helpers, not a route (remix.config.js ignores it).
  .filter((f) => /^admin(\.|_|$)/.test(f) && /\.tsx?$/.test(f) && !/\.server\.tsx?$/.test(f))
  .sort()

// Principals: each demo role at its seeded station, a donor, and a county-level admin of 会泽.
const PRINCIPALS = {
  admin: { email: 'admin@hope.demo', role: 'admin' },
  finance: { email: 'finance@hope.demo', role: 'finance' },
  caseworker: { email: 'caseworker.zhenxiong@hope.demo', role: 'caseworker' },
  auditor: { email: 'auditor@hope.demo', role: 'auditor' },
  donor: { email: 'donor@matrix.test', role: 'donor' },
} as const

/** Who is on the wrong side of the station tree for the fixtures below, per role. */
const WRONG_STATION = {
  caseworker: 'caseworker.huize@hope.demo',
  admin: 'admin.huize@matrix.test',
} as const

describe.skipIf(skipReason)(`admin role matrix on ${testDialect}`, () => {
  let t: TestDb
  const cookies: Record<string, string> = {}
  const params: Record<string, Record<string, string>> = {}
  const modules: Record<string, RouteModule> = {}

  beforeAll(async () => {
    t = await seededDb()
    const at = new Date().toISOString()
    const hash = await hashPassword('matrix-password')
    const donor = await t.db
      .insertInto('users')
      .values({ email: 'donor@matrix.test', display_name: '捐赠人', password_hash: hash, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('role_grants')
      .values({ user_id: donor.id, role: 'donor', station_id: null, created_at: at })
      .execute()
    const countyAdmin = await t.db
      .insertInto('users')
      .values({ email: 'admin.huize@matrix.test', display_name: '会泽管理员', password_hash: hash, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('role_grants')
      .values({ user_id: countyAdmin.id, role: 'admin', station_id: await stationId(t.db, '530326'), created_at: at })
      .execute()
    for (const [key, p] of Object.entries(PRINCIPALS)) cookies[key] = await cookieFor(t.db, p.email)
    for (const email of Object.values(WRONG_STATION)) cookies[email] = await cookieFor(t.db, email)

    // Path parameters: objects inside 镇雄 (530627), the caseworker's county.
    const zhenxiongStudent = await t.db
      .selectFrom('beneficiaries')
      .select('id')
      .where('public_code', 'like', 'HP-530627-%')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    params['admin.students.$id.tsx'] = { id: String(zhenxiongStudent.id) }
    params['admin.staff.$id.tsx'] = { id: String(await userId(t.db, 'caseworker.zhenxiong@hope.demo')) }
    params['admin.students.$id_.consent.tsx'] = { id: String(zhenxiongStudent.id), id_: String(zhenxiongStudent.id) }
    params['admin.students.$id_.status.tsx'] = { id: String(zhenxiongStudent.id), id_: String(zhenxiongStudent.id) }
    params['admin.students.$id_.story.tsx'] = { id: String(zhenxiongStudent.id), id_: String(zhenxiongStudent.id) }
    const zhenxiongBatch = await t.db
      .selectFrom('award_batches')
      .innerJoin('stations', 'stations.id', 'award_batches.station_id')
      .select('award_batches.id')
      .where('stations.code', '=', '530627')
      .orderBy('award_batches.id')
      .executeTakeFirstOrThrow()
    params['admin.batches.$id.tsx'] = { id: String(zhenxiongBatch.id) }
    const zhenxiongProof = await t.db
      .selectFrom('proof_files')
      .select('id')
      .where('entity_type', '=', 'award_batch')
      .where('entity_id', '=', zhenxiongBatch.id)
      .executeTakeFirstOrThrow()
    params['admin.proofs.$id.tsx'] = { id: String(zhenxiongProof.id) }
    // Outbox messages belong to no station: only root-scoped staff see them (others 404).
    const outboxRow = await t.db.selectFrom('mail_outbox').select('id').orderBy('id').executeTakeFirstOrThrow()
    params['admin.outbox.$id.tsx'] = { id: String(outboxRow.id) }
    params['admin.outbox.$id.html.tsx'] = { id: String(outboxRow.id) }
    // Donations and donors belong to no station either: root scope only.
    const donation = await t.db.selectFrom('donations').select('id').orderBy('id').executeTakeFirstOrThrow()
    params['admin.donations.$id.tsx'] = { id: String(donation.id) }
    params['admin.donors.$id.tsx'] = { id: String(donation.id) }
    for (const file of ['admin.donors.$id_.privacy.tsx', 'admin.donors.$id_.privacy[.]json.tsx'])
      params[file] = { id: String(donation.id), id_: String(donation.id) }
    // Demo campaigns belong to the province station: outside a county admin's subtree.
    const campaign = await t.db.selectFrom('campaigns').select('id').orderBy('id').executeTakeFirstOrThrow()
    params['admin.campaigns.$id.tsx'] = { id: String(campaign.id) }
    for (const file of adminFiles) modules[file] = (await import(path.join(ROUTES_DIR, file))) as RouteModule
  })
  afterAll(async () => t?.destroy())

  const urlOf = (file: string) =>
    '/' +
    file
      .replace(/\.tsx?$/, '')
      .split('.')
      .filter((s) => s !== '_index')
      .map((s) => (s.startsWith('$') ? (params[file]?.[s.slice(1)] ?? 'x') : s))
      .join('/')

  it('finds the admin routes on disk', () => {
    expect(adminFiles.length).toBeGreaterThanOrEqual(9)
  })

  it('every admin route declares a rule for each loader and action it exports, naming a known permission', () => {
    for (const file of adminFiles) {
      const mod = modules[file]!
      expect(mod.access, `${file} exports no access rule`).toBeTruthy()
      if (mod.loader) expect(PERMISSIONS, `${file} loader rule`).toContain(mod.access?.loader)
      if (mod.action) expect(PERMISSIONS, `${file} action rule`).toContain(mod.access?.action)
      // Every parameter must have a fixture, so no route escapes the matrix.
      for (const seg of file.split('.').filter((s) => s.startsWith('$')))
        expect(params[file]?.[seg.slice(1)], `${file} needs a fixture for ${seg}`).toBeTruthy()
    }
  })

  const run = async (file: string, kind: 'loader' | 'action', cookie: string | null): Promise<Outcome> => {
    const mod = modules[file]!
    const url = urlOf(file)
    const request = kind === 'loader' ? get(url, cookie) : post(url, { intent: '__matrix__' }, cookie)
    return call(mod[kind] as any, request, params[file] ?? {})
  }

  const allowed = (o: Outcome) => ![401, 403, 404].includes(o.status) && !isLoginRedirect(o) && o.status < 500

  it('anonymous: every loader and action redirects to the sign-in page', async () => {
    for (const file of adminFiles) {
      for (const kind of ['loader', 'action'] as const) {
        if (!modules[file]![kind]) continue
        const o = await run(file, kind, null)
        expect(isLoginRedirect(o), `${file} ${kind} anonymous → ${o.status} ${o.location}`).toBe(true)
      }
    }
  })

  for (const [key, principal] of Object.entries(PRINCIPALS)) {
    it(`${key}: allowed exactly where the permission table says, 403 elsewhere`, async () => {
      let checked = 0
      for (const file of adminFiles) {
        const mod = modules[file]!
        for (const kind of ['loader', 'action'] as const) {
          if (!mod[kind]) continue
          const permission = mod.access![kind] as Permission
          const expected = roleHas(principal.role, permission)
          const o = await run(file, kind, cookies[key]!)
          if (expected) expect(allowed(o), `${key} ${file} ${kind} → ${o.status} ${o.location ?? ''}`).toBe(true)
          else expect(o.status, `${key} ${file} ${kind}`).toBe(403)
          checked++
        }
      }
      expect(checked).toBeGreaterThan(adminFiles.length)
    })
  }

  it('wrong station: a permitted role outside the object’s subtree gets 404 on loader and action', async () => {
    let checked = 0
    for (const file of adminFiles.filter((f) => f.includes('$'))) {
      const mod = modules[file]!
      for (const [role, email] of Object.entries(WRONG_STATION)) {
        for (const kind of ['loader', 'action'] as const) {
          if (!mod[kind] || !roleHas(role, mod.access![kind] as Permission)) continue
          const o = await run(file, kind, cookies[email]!)
          expect(o.status, `${email} ${file} ${kind}`).toBe(404)
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4)
  })

  it('spot checks: the matrix sees real pages, not errors that happen to match', async () => {
    const student = await run('admin.students.$id.tsx', 'loader', cookies.admin!)
    expect(student.status).toBe(200)
    expect(student.body.student.public_code).toMatch(/^HP-530627-/)
    expect((await run('admin.staff._index.tsx', 'loader', cookies.caseworker!)).status).toBe(403)
    expect((await run('admin.audit.tsx', 'loader', cookies.auditor!)).status).toBe(200)
    expect((await run('admin.students.$id.tsx', 'action', cookies.auditor!)).status).toBe(403)
    expect((await run('admin.students.$id.tsx', 'action', cookies.caseworker!)).status).toBe(400)
    expect((await run('admin.tsx', 'loader', cookies.donor!)).status).toBe(403)
  })
})

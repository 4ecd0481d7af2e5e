import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '~/modules/auth/password.server'
import * as stationsPage from '~/routes/admin.stations'
import { call, cookieFor, get, post, seededDb, stationId } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// The station tree through its page: add a child, rename, deactivate, and never delete a
// station that has students, staff or batches; a county admin acts only inside 会泽.

describe.skipIf(skipReason)(`station pages on ${testDialect}`, () => {
  let t: TestDb
  let admin: string
  let huizeAdmin: string
  beforeAll(async () => {
    t = await seededDb()
    admin = await cookieFor(t.db, 'admin@hope.demo')
    const at = new Date().toISOString()
    const user = await t.db
      .insertInto('users')
      .values({
        email: 'admin.huize@stations.test',
        display_name: '会泽管理员',
        password_hash: await hashPassword('stations-password'),
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('role_grants')
      .values({ user_id: user.id, role: 'admin', station_id: await stationId(t.db, '530326'), created_at: at })
      .execute()
    huizeAdmin = await cookieFor(t.db, 'admin.huize@stations.test')
  })
  afterAll(async () => t?.destroy())

  const act = (form: Record<string, string>, cookie = admin) =>
    call(stationsPage.action, post('/admin/stations', form, cookie))
  const station = (code: string) => t.db.selectFrom('stations').selectAll().where('code', '=', code).executeTakeFirst()

  it('shows the tree in scope with counts of staff and students', async () => {
    const all = await call(stationsPage.loader, get('/admin/stations', admin))
    expect(all.status).toBe(200)
    const zhenxiong = all.body.stations.find((s: any) => s.code === '530627')
    expect(zhenxiong).toMatchObject({ level: 'county', active: true, depth: 2 })
    expect(zhenxiong.staff).toBeGreaterThanOrEqual(1)
    const students = await t.db
      .selectFrom('beneficiaries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('station_id', '=', await stationId(t.db, '530627101'))
      .executeTakeFirstOrThrow()
    expect(all.body.stations.find((s: any) => s.code === '530627101').students).toBe(Number(students.n))
    expect(Number(students.n)).toBeGreaterThan(0)
    // 会泽's admin sees 会泽 and below only.
    const huize = await call(stationsPage.loader, get('/admin/stations', huizeAdmin))
    expect(huize.body.stations.map((s: any) => s.code).sort()).toEqual(['530326', '530326101'])
  })

  it('adds a child, renames it, deactivates it, and deletes it only while nothing refers to it', async () => {
    const parentId = String(await stationId(t.db, '530627'))
    const added = await act({
      intent: 'add',
      parentId,
      level: 'township',
      name: '测试镇',
      nameEn: 'Test Town',
      code: '530627199',
    })
    expect(added).toMatchObject({ status: 302, location: '/admin/stations?done=add' })
    const row = (await station('530627199'))!
    const parent = (await station('530627'))!
    expect(row).toMatchObject({ level: 'township', name: '测试镇', parent_id: parent.id, active: 1 })
    expect(row.path).toBe(`${parent.path}${row.id}/`)

    // Mistakes are named on their fields and write nothing.
    expect(
      (await act({ intent: 'add', parentId, level: 'township', name: '重复', nameEn: 'Dup', code: '530627199' })).body
        .errors,
    ).toEqual({ code: 'stations.error.codeTaken' })
    expect(
      (await act({ intent: 'add', parentId, level: 'city', name: '上级', nameEn: 'Up', code: '530627198' })).body
        .errors,
    ).toEqual({ level: 'stations.error.levelBelow' })
    expect(
      (await act({ intent: 'add', parentId, level: 'township', name: '', nameEn: 'x', code: '12' })).body.errors,
    ).toEqual({ name: 'stations.error.required', code: 'stations.error.code' })
    expect(await station('530627198')).toBeUndefined()
    // Outside one's subtree a station does not exist.
    const foreign = await act(
      { intent: 'add', parentId, level: 'township', name: '越权', nameEn: 'Out', code: '530627197' },
      huizeAdmin,
    )
    expect(foreign.status).toBe(404)
    expect(
      (await act({ intent: 'rename', stationId: String(row.id), name: '越权', nameEn: 'Out' }, huizeAdmin)).status,
    ).toBe(404)

    const renamed = await act({ intent: 'rename', stationId: String(row.id), name: '改名镇', nameEn: 'Renamed Town' })
    expect(renamed.status).toBe(302)
    expect((await station('530627199'))!.name).toBe('改名镇')

    // A parent with an active child is not deactivated; the child is, and then takes no children.
    expect((await act({ intent: 'deactivate', stationId: parentId })).body.errors).toEqual({
      form: 'stations.error.activeChildren',
    })
    expect((await act({ intent: 'deactivate', stationId: String(row.id) })).status).toBe(302)
    expect((await station('530627199'))!.active).toBe(0)
    expect(
      (
        await act({
          intent: 'add',
          parentId: String(row.id),
          level: 'community',
          name: '村',
          nameEn: 'Village',
          code: '530627199001',
        })
      ).body.errors,
    ).toEqual({ parentId: 'stations.error.parentInactive' })
    expect((await act({ intent: 'reactivate', stationId: String(row.id) })).status).toBe(302)
    expect((await station('530627199'))!.active).toBe(1)

    // Never deleted: a station with students, one with staff, one with batches.
    for (const code of ['530627101', '530627']) {
      const id = String(await stationId(t.db, code))
      expect((await act({ intent: 'delete', stationId: id })).body.errors).toEqual({ form: 'stations.error.inUse' })
      expect(await station(code)).toBeTruthy()
    }
    // The empty one goes.
    expect((await act({ intent: 'delete', stationId: String(row.id) })).status).toBe(302)
    expect(await station('530627199')).toBeUndefined()

    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'before', 'after'])
      .where('entity_type', '=', 'station')
      .where('entity_id', '=', String(row.id))
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.action)).toEqual([
      'station.created',
      'station.renamed',
      'station.deactivated',
      'station.reactivated',
      'station.deleted',
    ])
    expect(JSON.parse(audit[1]!.before!).name).toBe('测试镇')
    expect(JSON.parse(audit[1]!.after!).name).toBe('改名镇')
  })

  it('refuses an unknown intent with a 400', async () => {
    expect((await act({ intent: 'explode' })).status).toBe(400)
  })
})

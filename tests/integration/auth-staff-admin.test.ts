import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '~/modules/auth/tokens.server'
import * as staffList from '~/routes/admin.staff._index'
import * as staffMember from '~/routes/admin.staff.$id'
import * as students from '~/routes/admin.students._index'
import * as invite from '~/routes/invite.$token'
import * as login from '~/routes/login'
import {
  call,
  cookieFor,
  get,
  isLoginRedirect,
  post,
  seededDb,
  stationId,
  tokenFromSetCookie,
} from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Admin pages: invite by link (only the token hash stored), set a password, assign
// role and station, deactivate — each scoped to the admin's subtree and audited.

describe.skipIf(skipReason)(`staff administration on ${testDialect}`, () => {
  let t: TestDb
  let admin = ''
  let lanping = 0
  let link = ''
  let newUserId = 0
  beforeAll(async () => {
    t = await seededDb()
    admin = await cookieFor(t.db, 'admin@hope.demo')
    lanping = await stationId(t.db, '533325')
  })
  afterAll(async () => t?.destroy())

  it('invites a caseworker: the link is shown once and only its hash is stored', async () => {
    const bad = await call(
      staffList.action,
      post(
        '/admin/staff',
        { email: 'not-an-email', displayName: '', role: 'caseworker', stationId: String(lanping) },
        admin,
      ),
    )
    expect(bad.status).toBe(400)
    expect(bad.body.errors.email).toBe('auth.emailInvalid')
    const o = await call(
      staffList.action,
      post(
        '/admin/staff',
        { email: 'New.Worker@Hope.demo', displayName: '兰坪社工', role: 'caseworker', stationId: String(lanping) },
        admin,
      ),
    )
    expect(o.status).toBe(200)
    link = o.body.link
    expect(link).toMatch(/\/invite\/[a-z2-7]{32}$/)
    const token = link.split('/').pop()!
    const row = await t.db.selectFrom('staff_invites').selectAll().executeTakeFirstOrThrow()
    expect(row.token_hash).toBe(sha256Hex(token))
    expect(JSON.stringify(await t.db.selectFrom('staff_invites').selectAll().execute())).not.toContain(token)
    const user = await t.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', 'new.worker@hope.demo')
      .executeTakeFirstOrThrow()
    expect(user.password_hash).toBeNull()
    newUserId = Number(user.id)
    const audit = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'staff.invite')
      .executeTakeFirstOrThrow()
    expect(JSON.parse(audit.after!)).toMatchObject({
      email: 'new.worker@hope.demo',
      role: 'caseworker',
      stationId: lanping,
    })
    const dup = await call(
      staffList.action,
      post(
        '/admin/staff',
        { email: 'new.worker@hope.demo', displayName: 'x', role: 'caseworker', stationId: String(lanping) },
        admin,
      ),
    )
    expect(dup.body.errors.email).toBe('staff.emailTaken')
  })

  it('the invitee sets a password once, then signs in and sees only 兰坪', async () => {
    const token = link.split('/').pop()!
    expect((await call(invite.loader, get(`/invite/${token}`), { token })).status).toBe(200)
    const short = await call(invite.action, post(`/invite/${token}`, { password: 'short', confirm: 'short' }), {
      token,
    })
    expect(short.status).toBe(400)
    expect(
      (
        await call(
          invite.action,
          post(`/invite/${token}`, { password: 'lanping-pass-2026', confirm: 'lanping-pass-2026' }),
          { token },
        )
      ).status,
    ).toBe(302)
    expect((await call(invite.loader, get(`/invite/${token}`), { token })).status).toBe(404)
    expect(
      (
        await call(
          invite.action,
          post(`/invite/${token}`, { password: 'another-pass-2026', confirm: 'another-pass-2026' }),
          { token },
        )
      ).status,
    ).toBe(404)
    const signed = await call(
      login.action,
      post('/login', { email: 'new.worker@hope.demo', password: 'lanping-pass-2026', redirectTo: '/admin' }),
      {},
      { clientIp: '203.0.113.60' },
    )
    expect(signed.status).toBe(302)
    const cookie = `hl_session=${tokenFromSetCookie(signed.setCookie)}`
    const list = await call(students.loader, get('/admin/students', cookie))
    expect(list.body.students.length).toBeGreaterThan(0)
    expect(list.body.students.every((s: { publicCode: string }) => s.publicCode.startsWith('HP-533325-'))).toBe(true)
  })

  it('assigns and removes a role on a station; removal signs the user out', async () => {
    const huize = await stationId(t.db, '530326')
    const userCookie = await cookieFor(t.db, 'new.worker@hope.demo')
    expect(
      (
        await call(
          staffMember.action,
          post(`/admin/staff/${newUserId}`, { intent: 'add-grant', role: 'auditor', stationId: String(huize) }, admin),
          { id: String(newUserId) },
        )
      ).status,
    ).toBe(302)
    const page = await call(staffMember.loader, get(`/admin/staff/${newUserId}`, admin), { id: String(newUserId) })
    const grants = page.body.member.grants as { id: number; role: string }[]
    expect(grants.map((g) => g.role).sort()).toEqual(['auditor', 'caseworker'])
    const auditorGrant = grants.find((g) => g.role === 'auditor')!
    expect(
      (
        await call(
          staffMember.action,
          post(`/admin/staff/${newUserId}`, { intent: 'remove-grant', grantId: String(auditorGrant.id) }, admin),
          { id: String(newUserId) },
        )
      ).status,
    ).toBe(302)
    const removed = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'staff.grant_removed')
      .executeTakeFirstOrThrow()
    expect(JSON.parse(removed.before!)).toMatchObject({ role: 'auditor', stationId: huize })
    expect(isLoginRedirect(await call(students.loader, get('/admin/students', userCookie)))).toBe(true)
  })

  it('deactivates (ends every session, refuses sign-in) and reactivates; never oneself', async () => {
    const userCookie = await cookieFor(t.db, 'new.worker@hope.demo')
    expect(
      (
        await call(staffMember.action, post(`/admin/staff/${newUserId}`, { intent: 'deactivate' }, admin), {
          id: String(newUserId),
        })
      ).status,
    ).toBe(302)
    expect(isLoginRedirect(await call(students.loader, get('/admin/students', userCookie)))).toBe(true)
    const refused = await call(
      login.action,
      post('/login', { email: 'new.worker@hope.demo', password: 'lanping-pass-2026', redirectTo: '/admin' }),
      {},
      { clientIp: '203.0.113.61' },
    )
    expect(refused.status).toBe(401)
    expect(
      (
        await call(staffMember.action, post(`/admin/staff/${newUserId}`, { intent: 'activate' }, admin), {
          id: String(newUserId),
        })
      ).status,
    ).toBe(302)
    const row = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'staff.deactivated')
      .executeTakeFirstOrThrow()
    expect(JSON.parse(row.before!)).toEqual({ active: true })
    expect(JSON.parse(row.after!)).toEqual({ active: false })
    const adminId = (
      await t.db.selectFrom('users').select('id').where('email', '=', 'admin@hope.demo').executeTakeFirstOrThrow()
    ).id
    const self = await call(staffMember.action, post(`/admin/staff/${adminId}`, { intent: 'deactivate' }, admin), {
      id: String(adminId),
    })
    expect(self.status).toBe(400)
  })

  it('a county admin cannot invite to, grant on, or even see staff of another county', async () => {
    const at = new Date().toISOString()
    const u = await t.db
      .insertInto('users')
      .values({ email: 'admin.huize@hope.test', display_name: '会泽管理员', password_hash: null, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('role_grants')
      .values({ user_id: u.id, role: 'admin', station_id: await stationId(t.db, '530326'), created_at: at })
      .execute()
    const county = await cookieFor(t.db, 'admin.huize@hope.test')
    const outside = await call(
      staffList.action,
      post(
        '/admin/staff',
        { email: 'x@hope.test', displayName: 'x', role: 'admin', stationId: String(lanping) },
        county,
      ),
    )
    expect(outside.status).toBe(404)
    expect(
      (await call(staffMember.loader, get(`/admin/staff/${newUserId}`, county), { id: String(newUserId) })).status,
    ).toBe(404)
    expect(
      (
        await call(staffMember.action, post(`/admin/staff/${newUserId}`, { intent: 'deactivate' }, county), {
          id: String(newUserId),
        })
      ).status,
    ).toBe(404)
    const list = await call(staffList.loader, get('/admin/staff', county))
    expect(list.body.members.map((m: { email: string }) => m.email)).not.toContain('new.worker@hope.demo')
    expect(list.body.stations.every((s: { path: string }) => s.path.startsWith(list.body.stations[0].path))).toBe(true)
  })
})

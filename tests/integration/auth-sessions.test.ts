import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { sha256Hex } from '~/modules/auth/tokens.server'
import * as adminHome from '~/routes/admin._index'
import * as sessionsRoute from '~/routes/admin.sessions'
import * as login from '~/routes/login'
import * as logout from '~/routes/logout'
import {
  call,
  DEMO_PASSWORD,
  get,
  isLoginRedirect,
  post,
  seededDb,
  tokenFromSetCookie,
  userId,
} from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Sessions end to end through the real login/logout routes: what the database holds,
// what a replayed cookie gets, idle and absolute expiry, and signing out elsewhere.

describe.skipIf(skipReason)(`staff sessions on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())
  afterEach(() => {
    vi.useRealTimers()
  })

  const signIn = async (email: string, ip = '198.51.100.1') => {
    const o = await call(
      login.action,
      post('/login', { email, password: DEMO_PASSWORD, redirectTo: '/admin' }),
      {},
      { clientIp: ip },
    )
    expect(o.status, JSON.stringify(o.body)).toBe(302)
    const token = tokenFromSetCookie(o.setCookie)
    expect(token).toBeTruthy()
    return { token: token!, cookie: `hl_session=${token}`, setCookie: o.setCookie! }
  }
  const home = (cookie: string) => call(adminHome.loader, get('/admin', cookie))

  it('sets an HttpOnly, SameSite=Lax cookie (Secure only in production) and lands on /admin', async () => {
    const { setCookie, cookie } = await signIn('auditor@hope.demo')
    expect(setCookie).toMatch(/HttpOnly/i)
    expect(setCookie).toMatch(/SameSite=Lax/i)
    expect(setCookie).toMatch(/Path=\//)
    expect(setCookie).not.toMatch(/Secure/i) // NODE_ENV=test
    expect((await home(cookie)).status).toBe(200)
  })

  it('stores only the SHA-256 of the token: the token is nowhere in the database', async () => {
    const { token } = await signIn('finance@hope.demo')
    const row = await t.db.selectFrom('sessions').selectAll().where('id', '=', sha256Hex(token)).executeTakeFirst()
    expect(row).toBeTruthy()
    const tables = (await t.db.introspection.getTables()).map((x) => x.name)
    for (const table of tables) {
      const rows = await t.db
        .selectFrom(table as any)
        .selectAll()
        .execute()
      expect(JSON.stringify(rows).includes(token), `token found in ${table}`).toBe(false)
    }
  })

  it('logout ends the session; the replayed cookie gets nothing', async () => {
    const { cookie, token } = await signIn('caseworker.huize@hope.demo')
    expect((await home(cookie)).status).toBe(200)
    const out = await call(logout.action, post('/logout', {}, cookie))
    expect(out.status).toBe(302)
    expect(out.setCookie).toMatch(/hl_session=;|Max-Age=0/)
    expect(
      await t.db.selectFrom('sessions').select('id').where('id', '=', sha256Hex(token)).executeTakeFirst(),
    ).toBeUndefined()
    expect(isLoginRedirect(await home(cookie))).toBe(true)
    expect(isLoginRedirect(await call(sessionsRoute.loader, get('/admin/sessions', cookie)))).toBe(true)
  })

  it('GET /logout changes nothing', async () => {
    const { cookie } = await signIn('auditor@hope.demo')
    expect((await call(logout.loader as any, get('/logout', cookie))).status).toBe(302)
    expect((await home(cookie)).status).toBe(200)
  })

  it('a forged or unknown token is refused', async () => {
    expect(isLoginRedirect(await home('hl_session=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'))).toBe(true)
    expect(isLoginRedirect(await home('hl_session=not valid!'))).toBe(true)
  })

  it('idle expiry: 12 h without use ends the session; use renews it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = new Date('2026-12-01T00:00:00Z').getTime()
    vi.setSystemTime(start)
    const a = await signIn('auditor@hope.demo')
    const b = await signIn('auditor@hope.demo')
    vi.setSystemTime(start + 7 * 3600_000) // past half the idle window: renewed on use
    expect((await home(a.cookie)).status).toBe(200)
    vi.setSystemTime(start + 13 * 3600_000)
    expect((await home(a.cookie)).status).toBe(200) // renewed at 7 h → valid until 19 h
    expect(isLoginRedirect(await home(b.cookie))).toBe(true) // unused for 13 h
  })

  it('absolute expiry: however active, a session ends 7 days after sign-in', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = new Date('2026-12-10T00:00:00Z').getTime()
    vi.setSystemTime(start)
    const { cookie, token } = await signIn('auditor@hope.demo')
    for (let h = 5; h < 7 * 24; h += 5) {
      vi.setSystemTime(start + h * 3600_000)
      expect((await home(cookie)).status, `hour ${h}`).toBe(200)
    }
    const row = await t.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', sha256Hex(token))
      .executeTakeFirstOrThrow()
    expect(Date.parse(row.expires_at)).toBeLessThanOrEqual(Date.parse(row.absolute_expires_at))
    vi.setSystemTime(start + 7 * 24 * 3600_000 + 1000)
    expect(isLoginRedirect(await home(cookie))).toBe(true)
  })

  it('lists one’s own sessions and signs out the others', async () => {
    const me = await signIn('admin@hope.demo')
    const other = await signIn('admin@hope.demo')
    const someoneElse = await signIn('finance@hope.demo')
    const list = await call(sessionsRoute.loader, get('/admin/sessions', me.cookie))
    expect(list.status).toBe(200)
    const adminId = await userId(t.db, 'admin@hope.demo')
    const count = await t.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', adminId)
      .executeTakeFirstOrThrow()
    expect(list.body.sessions).toHaveLength(Number(count.n))
    expect(list.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1)
    expect(JSON.stringify(list.body)).not.toContain(me.token)

    const res = await call(sessionsRoute.action, post('/admin/sessions', { intent: 'revoke-others' }, me.cookie))
    expect(res.status).toBe(302)
    expect((await home(me.cookie)).status).toBe(200)
    expect(isLoginRedirect(await home(other.cookie))).toBe(true)
    expect((await home(someoneElse.cookie)).status).toBe(200)
  })

  it('a deactivated user is signed out and cannot sign in', async () => {
    const { cookie } = await signIn('finance2@hope.demo')
    await t.db.updateTable('users').set({ active: 0 }).where('email', '=', 'finance2@hope.demo').execute()
    expect(isLoginRedirect(await home(cookie))).toBe(true)
    const o = await call(
      login.action,
      post('/login', { email: 'finance2@hope.demo', password: DEMO_PASSWORD, redirectTo: '/admin' }),
      {},
      { clientIp: '198.51.100.99' },
    )
    expect(o.status).toBe(401)
    await t.db.updateTable('users').set({ active: 1 }).where('email', '=', 'finance2@hope.demo').execute()
  })

  it('never redirects off-site after sign-in', async () => {
    const o = await call(
      login.action,
      post('/login', { email: 'auditor@hope.demo', password: DEMO_PASSWORD, redirectTo: '//evil.example/x' }),
      {},
      { clientIp: '198.51.100.2' },
    )
    expect(o.status).toBe(302)
    expect(o.location).toBe('/admin')
  })
})

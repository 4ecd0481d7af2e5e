import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { sha256Hex } from '~/modules/auth/tokens.server'
import { setDb } from '~/utils/db.server'
import * as adminHome from '~/routes/admin._index'
import * as invite from '~/routes/invite.$token'
import * as login from '~/routes/login'
import { call, get, post } from '../support/auth-fixtures'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

// npm run admin:create on an empty production-mode database, run as the real command
// (a child process with NODE_ENV=production and SEED_DEMO=never), then the link it prints
// used through the real routes.

const run = promisify(execFile)
const cli = path.resolve('app/cli/admin-create.ts')
const PUBLIC_BASE = 'https://hope.example.org'

async function adminCreate(url: string, args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    SEED_DEMO: 'never',
    DATABASE_URL: url,
    BASE_URL: PUBLIC_BASE,
    SESSION_SECRET: 'a-production-secret-of-at-least-32-characters',
    VITEST: '',
  }
  return run(process.execPath, ['--import', 'tsx', cli, ...args], { env }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  )
}

const linkIn = (out: string) => new RegExp(`${PUBLIC_BASE}/invite/([a-z0-9]+)`).exec(out)?.[1]

describe.skipIf(skipReason)(`npm run admin:create on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb({ migrate: false }) // empty: not even migrated
    setDb(t.db)
  })
  afterAll(async () => t?.destroy())

  let token = ''
  it('creates one admin and the root station, and prints a one-time link under BASE_URL', async () => {
    const first = await adminCreate(t.url, [
      '--email',
      'Founder@Example.org',
      '--name',
      '创始管理员',
      '--station',
      '某某省希望工程工作站',
    ])
    expect(first.code, first.out).toBe(0)
    token = linkIn(first.out) ?? ''
    expect(token).toMatch(/^[a-z0-9]{32}$/)
    const stations = await t.db.selectFrom('stations').selectAll().execute()
    expect(stations).toHaveLength(1)
    expect(stations[0]).toMatchObject({ name: '某某省希望工程工作站', parent_id: null, level: 'province' })
    expect(stations[0]!.path).toBe(`/${stations[0]!.id}/`)
    const users = await t.db.selectFrom('users').selectAll().execute()
    expect(users).toHaveLength(1)
    expect(users[0]).toMatchObject({ email: 'founder@example.org', display_name: '创始管理员', password_hash: null })
    const grants = await t.db.selectFrom('role_grants').selectAll().execute()
    expect(grants.map((g) => [g.role, Number(g.station_id), Number(g.user_id)])).toEqual([
      ['admin', Number(stations[0]!.id), Number(users[0]!.id)],
    ])
    // Only the token's SHA-256 is kept, and the link lives 24 hours.
    const invites = await t.db.selectFrom('staff_invites').selectAll().execute()
    expect(invites).toHaveLength(1)
    expect(invites[0]!.token_hash).toBe(sha256Hex(token))
    expect(Date.parse(invites[0]!.expires_at) - Date.parse(invites[0]!.created_at)).toBe(24 * 3_600_000)
    // The demo seed did not run (SEED_DEMO=never, production).
    expect(await t.db.selectFrom('campaigns').select('id').execute()).toHaveLength(0)
  })

  it('refuses a second run while an active admin exists, writing nothing', async () => {
    const again = await adminCreate(t.url, ['--email', 'second@example.org'])
    expect(again.code).toBe(1)
    expect(again.out).toContain('--another')
    expect(again.out).toContain('已有在职管理员')
    expect(linkIn(again.out)).toBeUndefined()
    expect(await t.db.selectFrom('users').select('id').execute()).toHaveLength(1)
  })

  it('refuses a bad email and explains the usage without one', async () => {
    expect((await adminCreate(t.url, ['--email', 'not-an-email', '--another'])).code).toBe(1)
    const none = await adminCreate(t.url, [])
    expect(none.code).toBe(2)
    expect(none.out).toContain('usage: npm run admin:create')
  })

  it('the link sets a password once; the admin then signs in and reaches /admin', async () => {
    expect((await call(invite.loader, get(`/invite/${token}`), { token })).status).toBe(200)
    const set = await call(
      invite.action,
      post(`/invite/${token}`, { password: 'first admin pw 2026', confirm: 'first admin pw 2026' }),
      { token },
    )
    expect(set.status).toBe(302)
    expect(set.location).toBe('/login?welcome=1')
    // Used: the same link no longer opens nor sets anything.
    expect((await call(invite.loader, get(`/invite/${token}`), { token })).status).toBe(404)
    const reuse = await call(
      invite.action,
      post(`/invite/${token}`, { password: 'someone else 2026', confirm: 'someone else 2026' }),
      { token },
    )
    expect(reuse.status).toBe(404)

    const signedIn = await call(
      login.action,
      post('/login', { email: 'founder@example.org', password: 'first admin pw 2026', redirectTo: '/admin' }),
    )
    expect(signedIn.status).toBe(302)
    expect(signedIn.location).toBe('/admin')
    const cookie = /hl_session=[^;]+/.exec(signedIn.setCookie ?? '')?.[0]
    expect(cookie).toBeTruthy()
    expect((await call(adminHome.loader, get('/admin', cookie))).status).toBe(200)
  })

  it('with --another adds an admin on the existing root; that link expires after 24 hours', async () => {
    const more = await adminCreate(t.url, ['--email', 'second@example.org', '--another'])
    expect(more.code, more.out).toBe(0)
    expect(more.out).toContain('使用现有根工作站')
    const second = linkIn(more.out) ?? ''
    expect(await t.db.selectFrom('stations').select('id').execute()).toHaveLength(1)
    expect((await call(invite.loader, get(`/invite/${second}`), { token: second })).status).toBe(200)
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(Date.now() + 24 * 3_600_000 + 60_000)
      expect((await call(invite.loader, get(`/invite/${second}`), { token: second })).status).toBe(404)
      const late = await call(
        invite.action,
        post(`/invite/${second}`, { password: 'too late 2026!', confirm: 'too late 2026!' }),
        { token: second },
      )
      expect(late.status).toBe(404)
    } finally {
      vi.useRealTimers()
    }
    const user = await t.db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', 'second@example.org')
      .executeTakeFirstOrThrow()
    expect(user.password_hash).toBeNull()
  })
})

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { LOGIN_ACCOUNT_LIMIT, LOGIN_IP_LIMIT } from '~/modules/auth/rate-limit.server'
import * as login from '~/routes/login'
import { call, DEMO_PASSWORD, post, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Brute force: per-account and per-IP limits kept in the database; once reached,
// even the right password is refused for the rest of the window; one generic message.

describe.skipIf(skipReason)(`login rate limits on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())
  afterEach(() => vi.useRealTimers())

  const attempt = (email: string, password: string, ip: string) =>
    call(login.action, post('/login', { email, password, redirectTo: '/admin' }), {}, { clientIp: ip })

  it('one generic message for an unknown email and a wrong password', async () => {
    const unknown = await attempt('nobody@hope.demo', 'whatever-password', '192.0.2.1')
    const wrong = await attempt('auditor@hope.demo', 'wrong-password', '192.0.2.1')
    expect(unknown.status).toBe(401)
    expect(wrong.status).toBe(401)
    expect(unknown.body).toEqual(wrong.body)
  })

  it('per account: after the limit the right password is refused until the window ends, from any IP', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = new Date('2026-12-02T03:00:00Z').getTime()
    vi.setSystemTime(start)
    for (let i = 0; i < LOGIN_ACCOUNT_LIMIT.max; i++)
      expect((await attempt('finance@hope.demo', `wrong-${i}-password`, `192.0.2.${10 + i}`)).status).toBe(401)
    const refused = await attempt('finance@hope.demo', DEMO_PASSWORD, '192.0.2.50')
    expect(refused.status).toBe(401)
    expect(refused.setCookie).toBeNull()
    const wrong = await attempt('finance@hope.demo', 'another-wrong-one', '192.0.2.51')
    expect(refused.body).toEqual(wrong.body)
    // Other accounts are unaffected.
    expect((await attempt('auditor@hope.demo', DEMO_PASSWORD, '192.0.2.50')).status).toBe(302)
    vi.setSystemTime(start + LOGIN_ACCOUNT_LIMIT.windowMs + 1000)
    expect((await attempt('finance@hope.demo', DEMO_PASSWORD, '192.0.2.50')).status).toBe(302)
  })

  it('per IP: failures across many accounts block that IP, even for a right password; other IPs still work', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = new Date('2026-12-03T03:00:00Z').getTime()
    vi.setSystemTime(start)
    const ip = '192.0.2.200'
    for (let i = 0; i < LOGIN_IP_LIMIT.max; i++)
      expect((await attempt(`guess${i}@hope.demo`, 'wrong-password', ip)).status).toBe(401)
    expect((await attempt('caseworker.huize@hope.demo', DEMO_PASSWORD, ip)).status).toBe(401)
    expect((await attempt('caseworker.huize@hope.demo', DEMO_PASSWORD, '192.0.2.201')).status).toBe(302)
  })

  it('parallel guesses cannot slip past the limit', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-04T03:00:00Z'))
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        attempt('admin@hope.demo', i === 11 ? DEMO_PASSWORD : `guess-${i}-password`, `192.0.2.${100 + i}`),
      ),
    )
    // Reservations are taken before the password is checked: at most `max` attempts were evaluated.
    const rows = await t.db
      .selectFrom('rate_limits')
      .select(['count'])
      .where('key', '=', 'login:account:admin@hope.demo')
      .execute()
    expect(rows.reduce((n, r) => n + Number(r.count), 0)).toBeGreaterThanOrEqual(12 - 1)
    expect(results.filter((r) => r.status === 302).length).toBeLessThanOrEqual(1)
    expect((await attempt('admin@hope.demo', DEMO_PASSWORD, '192.0.2.150')).status).toBe(401)
  })

  it('never truncates: a 129-character password is refused and 128 characters all count', async () => {
    const { hashPassword, verifyPassword } = await import('~/modules/auth/password.server')
    await expect(hashPassword('x'.repeat(129))).rejects.toThrow()
    const h = await hashPassword('a'.repeat(128))
    expect(await verifyPassword(h, 'a'.repeat(128))).toBe(true)
    expect(await verifyPassword(h, 'a'.repeat(127) + 'b')).toBe(false)
    expect(await verifyPassword(h, 'a'.repeat(129))).toBe(false)
  })
})

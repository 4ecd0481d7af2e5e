import type { AddressInfo } from 'node:net'
import { generateHOTP } from '@oslojs/otp'
import express from 'express'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { LOGIN_IP_LIMIT } from '~/modules/auth/rate-limit.server'
import { accountThrottleKey, delayAfter, THROTTLE } from '~/modules/auth/throttle.server'
import { confirmEnrolment, decodeSecret, pendingEnrolment, totpStep } from '~/modules/auth/totp.server'
import * as login from '~/routes/login'
import { parseEnv } from '~/utils/env.server'
import { call, DEMO_PASSWORD, post, seededDb, userId } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Brute force: a per-client limit (the real client behind TRUST_PROXY) and a per-account
// throttle of growing waits. Neither hands a stranger a way to lock staff out: a right
// password with a TOTP code passes the account's wait; other clients are never blocked.

describe.skipIf(skipReason)(`login rate limits on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())
  afterEach(() => vi.useRealTimers())

  const attempt = (email: string, password: string, ip: string, code?: string) =>
    call(
      login.action,
      post('/login', { email, password, redirectTo: '/admin', ...(code ? { code } : {}) }),
      {},
      { clientIp: ip },
    )
  const throttle = (email: string) =>
    t.db.selectFrom('login_throttles').selectAll().where('key', '=', accountThrottleKey(email)).executeTakeFirst()

  it('one generic message for an unknown email and a wrong password', async () => {
    const unknown = await attempt('nobody@hope.demo', 'whatever-password', '192.0.2.1')
    const wrong = await attempt('auditor@hope.demo', 'wrong-password', '192.0.2.1')
    expect(unknown.status).toBe(401)
    expect(wrong.status).toBe(401)
    expect(unknown.body).toEqual(wrong.body)
  })

  it('waits double from the sixth failure on and are capped', () => {
    expect([1, 4].map(delayAfter)).toEqual([0, 0])
    expect([5, 6, 7].map(delayAfter)).toEqual([THROTTLE.baseMs, 2 * THROTTLE.baseMs, 4 * THROTTLE.baseMs])
    expect(delayAfter(40)).toBe(THROTTLE.maxMs)
  })

  it("a stranger's wrong passwords slow guessing but never stop the approver signing in with password + TOTP", async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = new Date('2026-12-02T03:00:00Z').getTime()
    vi.setSystemTime(start)
    const email = 'finance@hope.demo'
    const id = await userId(t.db, email)
    const enrolment = (await pendingEnrolment(t.db, { id, email }, { create: true }))!
    const codeNow = () => generateHOTP(decodeSecret(enrolment.secret), BigInt(totpStep()), 6)
    expect(await confirmEnrolment(t.db, id, codeNow())).not.toBeNull()

    for (let i = 1; i < THROTTLE.free; i++)
      expect((await attempt(email, `wrong-${i}-password`, `192.0.2.${10 + i}`)).status).toBe(401)
    // The fifth failure starts the wait; the form now offers the code field.
    const fifth = await attempt(email, 'wrong-5-password', '192.0.2.15')
    expect(fifth.status).toBe(429)
    expect(fifth.body).toMatchObject({ formError: 'auth.loginSlowed', slowed: true })
    expect(await throttle(email)).toMatchObject({
      failures: THROTTLE.free,
      blocked_until: new Date(start + THROTTLE.baseMs).toISOString(),
    })

    // During the wait a password alone is not even checked: right and wrong look the same
    // and nothing more is counted.
    const right = await attempt(email, DEMO_PASSWORD, '192.0.2.50')
    const wrong = await attempt(email, 'another-wrong-one', '192.0.2.51')
    expect(right.status).toBe(429)
    expect(right.setCookie).toBeNull()
    expect(right.body).toEqual(wrong.body)
    // A right password with a wrong code says nothing either.
    const rightWrongCode = await attempt(email, DEMO_PASSWORD, '192.0.2.52', '000000')
    const wrongWrongCode = await attempt(email, 'guess-password', '192.0.2.53', '000000')
    expect(rightWrongCode.setCookie).toBeNull()
    expect(rightWrongCode.body).toEqual(wrongWrongCode.body)
    expect((await throttle(email))?.failures).toBe(THROTTLE.free)

    // After the wait the attacker's next failure doubles it: the attacker is slowed.
    vi.setSystemTime(start + THROTTLE.baseMs + 1000)
    expect((await attempt(email, 'wrong-6-password', '192.0.2.16')).status).toBe(429)
    const row = await throttle(email)
    expect(row?.failures).toBe(THROTTLE.free + 1)
    expect(Date.parse(row!.blocked_until!) - Date.now()).toBe(2 * THROTTLE.baseMs)

    // The approver, mid-wait, signs in at once with password and code, fully verified.
    const ok = await attempt(email, DEMO_PASSWORD, '198.51.100.20', codeNow())
    expect(ok.status).toBe(302)
    expect(ok.location).toBe('/admin')
    const session = await t.db
      .selectFrom('sessions')
      .select(['two_factor_verified'])
      .where('user_id', '=', id)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow()
    expect(Number(session.two_factor_verified)).toBe(1)
    // …and the account's failures are forgotten.
    expect(await throttle(email)).toBeUndefined()
  })

  it('without TOTP the right password works again once the wait is over; other accounts never wait', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = new Date('2026-12-03T03:00:00Z').getTime()
    vi.setSystemTime(start)
    const email = 'caseworker.huize@hope.demo'
    for (let i = 0; i < THROTTLE.free; i++) await attempt(email, `wrong-${i}-password`, `192.0.2.${60 + i}`)
    expect((await attempt(email, DEMO_PASSWORD, '192.0.2.70')).status).toBe(429)
    expect((await attempt('auditor@hope.demo', DEMO_PASSWORD, '192.0.2.70')).status).toBe(302)
    vi.setSystemTime(start + THROTTLE.baseMs + 1)
    expect((await attempt(email, DEMO_PASSWORD, '192.0.2.70')).status).toBe(302)
  })

  it('behind the trusted proxy, twenty bad sign-ins from one client block that client only', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-04T03:00:00Z'))
    // As app/cli/server.ts: the client address is req.ip under TRUST_PROXY.
    const app = express()
    app.set('trust proxy', parseEnv({ TRUST_PROXY: 'loopback' }).TRUST_PROXY)
    app.post('/login', express.urlencoded({ extended: false }), (req, res) => {
      void call(login.action, post('/login', { ...req.body, redirectTo: '/admin' }), {}, { clientIp: req.ip! }).then(
        (o) => res.status(o.status).json({ ip: req.ip, formError: o.body?.formError ?? null }),
      )
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    try {
      const { port } = server.address() as AddressInfo
      const viaProxy = (client: string, email: string, password: string) =>
        fetch(`http://127.0.0.1:${port}/login`, {
          method: 'POST',
          headers: { 'X-Forwarded-For': client, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ email, password }),
        })
      const attacker = '203.0.113.99'
      for (let i = 0; i < LOGIN_IP_LIMIT.max; i++)
        expect((await viaProxy(attacker, `guess${i}@hope.demo`, 'wrong-password')).status).toBe(401)
      // That client is now refused even with a right password…
      expect((await viaProxy(attacker, 'caseworker.zhenxiong@hope.demo', DEMO_PASSWORD)).status).toBe(401)
      // …and every other member of staff behind the same proxy signs in.
      for (const [client, email] of [
        ['198.51.100.31', 'caseworker.zhenxiong@hope.demo'],
        ['198.51.100.32', 'finance2@hope.demo'],
      ]) {
        const res = await viaProxy(client!, email!, DEMO_PASSWORD)
        expect(res.status).toBe(302)
      }
    } finally {
      server.close()
    }
  })

  it('parallel guesses cannot slip past the throttle', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-05T03:00:00Z'))
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attempt('admin@hope.demo', `guess-${i}-password`, `192.0.2.${100 + i}`)),
    )
    // Each evaluated guess was counted before its password was checked; the rest were refused unchecked.
    const row = await throttle('admin@hope.demo')
    expect(row!.failures).toBeLessThanOrEqual(THROTTLE.free)
    expect(results.every((r) => r.status === 401 || r.status === 429)).toBe(true)
    // Passwords checked (audited as failures) never outnumber the failures counted.
    const checked = await t.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('action', '=', 'auth.login_failed')
      .where('entity_id', '=', String(await userId(t.db, 'admin@hope.demo')))
      .executeTakeFirstOrThrow()
    expect(Number(checked.n)).toBe(row!.failures)
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

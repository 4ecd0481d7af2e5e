import { generateHOTP } from '@oslojs/otp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { confirmEnrolment, decodeSecret, pendingEnrolment, totpStep } from '~/modules/auth/totp.server'
import * as locale from '~/routes/locale'
import * as login from '~/routes/login'
import * as loginTotp from '~/routes/login_.totp'
import { call, cookieFor, DEMO_PASSWORD, get, post, seededDb, userId } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { HOSTILE_REDIRECTS } from '../support/hostile-redirects'

// Every redirect that takes its target from the request: sign-in, its TOTP step and the
// language switch. A hostile target ends on the fallback, never on another host.

describe.skipIf(skipReason)(`redirect targets on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  it('sign-in sends a correct password to /admin, whatever redirectTo says', async () => {
    let n = 0
    for (const redirectTo of HOSTILE_REDIRECTS) {
      const page = await call(login.loader, get(`/login?redirectTo=${encodeURIComponent(redirectTo)}`))
      expect(page.body.redirectTo, redirectTo).toBe('/admin')
      const o = await call(
        login.action,
        post('/login', { email: 'auditor@hope.demo', password: DEMO_PASSWORD, redirectTo }),
        {},
        { clientIp: `203.0.113.${++n}` },
      )
      expect([o.status, o.location], redirectTo).toEqual([302, '/admin'])
    }
    const ok = await call(
      login.action,
      post('/login', { email: 'auditor@hope.demo', password: DEMO_PASSWORD, redirectTo: '/admin/audit?page=2' }),
    )
    expect(ok.location).toBe('/admin/audit?page=2')
  })

  it('the TOTP step does the same', async () => {
    const id = await userId(t.db, 'finance@hope.demo')
    const enrolment = (await pendingEnrolment(t.db, { id, email: 'finance@hope.demo' }, { create: true }))!
    const code = generateHOTP(decodeSecret(enrolment.secret), BigInt(totpStep()), 6)
    expect(await confirmEnrolment(t.db, id, code)).not.toBeNull()
    const verified = await cookieFor(t.db, 'finance@hope.demo', { twoFactorVerified: true })
    for (const redirectTo of HOSTILE_REDIRECTS) {
      const o = await call(loginTotp.loader, get(`/login/totp?redirectTo=${encodeURIComponent(redirectTo)}`, verified))
      expect([o.status, o.location], redirectTo).toEqual([302, '/admin'])
      const pending = await cookieFor(t.db, 'finance@hope.demo', { pendingTotp: true })
      const page = await call(
        loginTotp.loader,
        get(`/login/totp?redirectTo=${encodeURIComponent(redirectTo)}`, pending),
      )
      expect(page.body.redirectTo, redirectTo).toBe('/admin')
    }
  })

  it('the language switch goes home instead', async () => {
    for (const redirectTo of HOSTILE_REDIRECTS) {
      const o = await call(locale.action, post('/locale', { lng: 'en', redirectTo }))
      expect([o.status, o.location], redirectTo).toEqual([302, '/'])
    }
    expect((await call(locale.action, post('/locale', { lng: 'en', redirectTo: '/ledger?kind=award' }))).location).toBe(
      '/ledger?kind=award',
    )
  })
})

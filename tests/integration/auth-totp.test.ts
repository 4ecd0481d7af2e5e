import { generateHOTP } from '@oslojs/otp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertCanApprove, getStaffUser, requireStaff } from '~/modules/auth/authorize.server'
import { attemptSecondFactor } from '~/modules/auth/login.server'
import { TOTP_LIMIT } from '~/modules/auth/rate-limit.server'
import { confirmEnrolment, decodeSecret, pendingEnrolment, totpStep } from '~/modules/auth/totp.server'
import * as adminHome from '~/routes/admin._index'
import * as security from '~/routes/admin.security'
import * as login from '~/routes/login'
import * as loginTotp from '~/routes/login_.totp'
import {
  call,
  cookieFor,
  DEMO_PASSWORD,
  get,
  post,
  seededDb,
  tokenFromSetCookie,
  userId,
} from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// TOTP: enrolment by QR with recovery codes, the second sign-in step, codes accepted
// once, and the approval gate for admin and finance.

const codeAt = (secret: string, step: number) => generateHOTP(decodeSecret(secret), BigInt(step), 6)

describe.skipIf(skipReason)(`TOTP on ${testDialect}`, () => {
  let t: TestDb
  let secret = ''
  let recovery: string[] = []
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  const passwordStep = async (email: string) => {
    const o = await call(
      login.action,
      post('/login', { email, password: DEMO_PASSWORD, redirectTo: '/admin/students' }),
      {},
      { clientIp: '203.0.113.9' },
    )
    expect(o.status).toBe(302)
    return { o, cookie: `hl_session=${tokenFromSetCookie(o.setCookie)}` }
  }

  it('finance without TOTP cannot approve; the gate names TOTP', async () => {
    const cookie = await cookieFor(t.db, 'finance@hope.demo')
    const staff = await requireStaff(get('/admin', cookie), { permission: 'admin.access' })
    expect(() => assertCanApprove(staff)).toThrow(Response)
    try {
      assertCanApprove(staff)
    } catch (e) {
      expect((e as Response).status).toBe(403)
    }
  })

  it('enrols: GET shows nothing new, "start" creates the secret and a QR data: URL, a code confirms and returns recovery codes', async () => {
    const { cookie } = await passwordStep('finance@hope.demo')
    const before = await call(security.loader, get('/admin/security', cookie))
    expect(before.body.enrolment).toBeNull()
    expect(await t.db.selectFrom('totp_credentials').selectAll().execute()).toHaveLength(0)

    expect((await call(security.action, post('/admin/security', { intent: 'start' }, cookie))).status).toBe(302)
    const page = await call(security.loader, get('/admin/security', cookie))
    expect(page.body.enrolment.qrDataUrl).toMatch(/^data:image\/png;base64,/)
    secret = page.body.enrolment.secret
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    const stored = await t.db.selectFrom('totp_credentials').selectAll().executeTakeFirstOrThrow()
    expect(stored.secret_encrypted).not.toContain(secret)

    const wrong = await call(security.action, post('/admin/security', { intent: 'confirm', code: '000000' }, cookie))
    expect(wrong.status).toBe(400)
    const ok = await call(
      security.action,
      post('/admin/security', { intent: 'confirm', code: codeAt(secret, totpStep()) }, cookie),
    )
    expect(ok.status).toBe(200)
    recovery = ok.body.codes
    expect(recovery).toHaveLength(10)
    const staff = (await getStaffUser(get('/admin', cookie)))!
    expect(staff.totpEnabled).toBe(true)
    expect(() => assertCanApprove(staff)).not.toThrow()
  })

  it('sign-in now needs the code; the password-only session can reach nothing else', async () => {
    const { o, cookie } = await passwordStep('finance@hope.demo')
    expect(o.location).toBe('/login/totp?redirectTo=%2Fadmin%2Fstudents')
    const pending = await call(adminHome.loader, get('/admin', cookie))
    expect(pending.status).toBe(302)
    expect(pending.location).toBe('/login/totp')
    const staff = (await getStaffUser(get('/admin', cookie)))!
    expect(() => assertCanApprove(staff)).toThrow()

    const step = totpStep() + 1 // the enrolment used the current step
    const code = codeAt(secret, step)
    const verified = await call(loginTotp.action, post('/login/totp', { code, redirectTo: '/admin/students' }, cookie))
    expect(verified.status).toBe(302)
    expect(verified.location).toBe('/admin/students')
    const fresh = `hl_session=${tokenFromSetCookie(verified.setCookie)}`
    expect(fresh).not.toBe(cookie) // a new token replaces the password-only one
    expect((await call(adminHome.loader, get('/admin', fresh))).status).toBe(200)
    expect((await call(adminHome.loader, get('/admin', cookie))).status).toBe(302)
    const approver = (await getStaffUser(get('/admin', fresh)))!
    expect(() => assertCanApprove(approver)).not.toThrow()

    // The same code again (a replay) is refused, as is an older one.
    const second = await passwordStep('finance@hope.demo')
    expect(
      (await call(loginTotp.action, post('/login/totp', { code, redirectTo: '/admin' }, second.cookie))).status,
    ).toBe(401)
    expect(
      (
        await call(
          loginTotp.action,
          post('/login/totp', { code: codeAt(secret, step - 1), redirectTo: '/admin' }, second.cookie),
        )
      ).status,
    ).toBe(401)
  })

  it('a recovery code works once', async () => {
    const first = await passwordStep('finance@hope.demo')
    expect(
      (await call(loginTotp.action, post('/login/totp', { code: recovery[0]!, redirectTo: '/admin' }, first.cookie)))
        .status,
    ).toBe(302)
    const again = await passwordStep('finance@hope.demo')
    expect(
      (await call(loginTotp.action, post('/login/totp', { code: recovery[0]!, redirectTo: '/admin' }, again.cookie)))
        .status,
    ).toBe(401)
    expect(
      (await call(loginTotp.action, post('/login/totp', { code: recovery[1]!, redirectTo: '/admin' }, again.cookie)))
        .status,
    ).toBe(302)
  })

  it('a caseworker can never approve, TOTP or not', async () => {
    const cookie = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    const staff = (await getStaffUser(get('/admin', cookie)))!
    expect(() =>
      assertCanApprove({ ...staff, totpEnabled: true, session: { ...staff.session, twoFactorVerified: true } }),
    ).toThrow()
  })

  it('guessing codes is rate-limited per user: after the limit even the right code is refused', async () => {
    const id = await userId(t.db, 'finance2@hope.demo')
    const enrolment = (await pendingEnrolment(t.db, { id, email: 'finance2@hope.demo' }, { create: true }))!
    const step = totpStep()
    expect(await confirmEnrolment(t.db, id, codeAt(enrolment.secret, step))).toHaveLength(10)
    for (let i = 0; i < TOTP_LIMIT.max; i++)
      expect(await attemptSecondFactor(t.db, { userId: id, code: String(100000 + i), ip: '203.0.113.70' })).toBe(false)
    expect(
      await attemptSecondFactor(t.db, { userId: id, code: codeAt(enrolment.secret, step + 1), ip: '203.0.113.70' }),
    ).toBe(false)
  })
})

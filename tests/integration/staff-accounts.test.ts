import { generateHOTP } from '@oslojs/otp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { confirmEnrolment, decodeSecret, pendingEnrolment, totpStep } from '~/modules/auth/totp.server'
import { RESET_EMAIL_LIMIT } from '~/modules/auth/password-reset.server'
import { createSmtpTransport } from '~/modules/mail/transport.server'
import { runOutboxWorker } from '~/modules/mail/worker.server'
import * as adminLayout from '~/routes/admin'
import * as password from '~/routes/admin.password'
import * as staffMember from '~/routes/admin.staff.$id'
import * as staffList from '~/routes/admin.staff._index'
import * as invite from '~/routes/invite.$token'
import * as login from '~/routes/login'
import * as forgot from '~/routes/login_.forgot'
import * as reset from '~/routes/login_.reset.$token'
import {
  BASE,
  call,
  cookieFor,
  DEMO_PASSWORD,
  get,
  post,
  seededDb,
  stationId,
  tokenFromSetCookie,
  userId,
} from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { startSmtpServer } from '../support/smtp'

// Staff accounts: invitations mailed through the outbox (and re-sent), one's own password
// change, "forgot password" by emailed link, an admin forcing a reset, and a 403 that names
// the missing permission.

const codeAt = (secret: string, step: number) => generateHOTP(decodeSecret(secret), BigInt(step), 6)
const signIn = (email: string, pw: string, ip = '203.0.113.50') =>
  call(login.action, post('/login', { email, password: pw, redirectTo: '/admin' }), {}, { clientIp: ip })
const tokenOf = (url: string, prefix: string) => url.slice(`${BASE}${prefix}`.length)

describe.skipIf(skipReason)(`staff accounts on ${testDialect}`, () => {
  let t: TestDb
  let admin = ''
  beforeAll(async () => {
    t = await seededDb()
    admin = await cookieFor(t.db, 'admin@hope.demo')
  })
  afterAll(async () => t?.destroy())

  const mails = (to: string, template: string) =>
    t.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', to)
      .where('template', '=', template)
      .orderBy('id')
      .execute()

  it('an invitation is mailed through the outbox and arrives at a real SMTP server; the mailed link works', async () => {
    const smtp = await startSmtpServer()
    try {
      const o = await call(
        staffList.action,
        post(
          '/admin/staff',
          {
            email: 'mailed.worker@hope.demo',
            displayName: '兰坪新社工',
            role: 'caseworker',
            stationId: String(await stationId(t.db, '533325')),
          },
          admin,
        ),
      )
      expect(o.status).toBe(200)
      const queued = await mails('mailed.worker@hope.demo', 'staff-invitation')
      expect(queued).toHaveLength(1)
      await t.db
        .updateTable('mail_outbox')
        .set({ status: 'failed' })
        .where('id', '!=', queued[0]!.id)
        .where('status', '=', 'queued')
        .execute()
      const stats = await runOutboxWorker(t.db, {
        transport: createSmtpTransport(smtp.url),
        from: 'test <t@example.org>',
        exitWhenIdle: true,
      })
      expect(stats.sent).toBe(1)
      const mail = smtp.received.find((m) => m.to.includes('mailed.worker@hope.demo'))!
      expect(mail.subject).toBe('演示管理员 邀请您加入希望账本')
      expect(mail.text).toContain('兰坪')
      expect(mail.text).toContain('社工')
      const url = new RegExp(`${BASE}/invite/[a-z2-7]{32}`).exec(mail.text)?.[0]
      expect(url).toBe(o.body.link)
      const token = tokenOf(url!, '/invite/')
      expect((await call(invite.loader, get(`/invite/${token}`), { token })).status).toBe(200)

      // Re-sent on request: a new mail with a new link; the first link stops working.
      const member = await userId(t.db, 'mailed.worker@hope.demo')
      const again = await call(
        staffMember.action,
        post(`/admin/staff/${member}`, { intent: 'reissue-invite' }, admin),
        { id: String(member) },
      )
      expect(again.status).toBe(200)
      const both = await mails('mailed.worker@hope.demo', 'staff-invitation')
      expect(both).toHaveLength(2)
      expect(JSON.parse(both[1]!.props).url).toBe(again.body.link)
      expect((await call(invite.loader, get(`/invite/${token}`), { token })).status).toBe(404)
    } finally {
      await smtp.close()
    }
  })

  it('changing one’s own password needs the current one and signs out the other sessions only', async () => {
    const email = 'caseworker.huize@hope.demo'
    const here = await cookieFor(t.db, email)
    const elsewhere = await cookieFor(t.db, email)
    const wrong = await call(
      password.action,
      post(
        '/admin/password',
        { current: 'not-it-at-all', password: 'new password 2026', confirm: 'new password 2026' },
        here,
      ),
    )
    expect(wrong.status).toBe(400)
    expect(wrong.body.errors).toEqual({ current: 'password.currentWrong' })
    const mismatch = await call(
      password.action,
      post('/admin/password', { current: DEMO_PASSWORD, password: 'new password 2026', confirm: 'other' }, here),
    )
    expect(mismatch.body.errors.confirm).toBe('auth.passwordMismatch')
    expect((await signIn(email, DEMO_PASSWORD)).status).toBe(302) // nothing changed yet
    const ok = await call(
      password.action,
      post(
        '/admin/password',
        { current: DEMO_PASSWORD, password: 'new password 2026', confirm: 'new password 2026' },
        here,
      ),
    )
    expect(ok.status).toBe(302)
    expect((await call(password.loader, get('/admin/password', here))).status).toBe(200)
    expect((await call(password.loader, get('/admin/password', elsewhere))).location).toMatch(/^\/login/)
    expect((await signIn(email, DEMO_PASSWORD)).status).toBe(401)
    expect((await signIn(email, 'new password 2026')).status).toBe(302)
  })

  it('forgot password: the same answer for anyone; a staff address gets a 30-minute single-use link', async () => {
    const ask = (email: string, ip = '203.0.113.60') =>
      call(forgot.action, post('/login/forgot', { email }), {}, { clientIp: ip })
    const nobody = await ask('nobody@nowhere.example')
    const donorOnly = await ask('donor.only@example.org')
    const staff = await ask('finance2@hope.demo')
    expect(nobody).toEqual(staff)
    expect(donorOnly).toEqual(staff)
    expect(await mails('nobody@nowhere.example', 'password-reset')).toHaveLength(0)
    const queued = await mails('finance2@hope.demo', 'password-reset')
    expect(queued).toHaveLength(1)
    const url = JSON.parse(queued[0]!.props).url as string
    const token = tokenOf(url, '/login/reset/')
    const stored = await t.db.selectFrom('password_resets').selectAll().execute()
    expect(JSON.stringify(stored)).not.toContain(token)
    expect(Date.parse(stored[0]!.expires_at) - Date.parse(stored[0]!.created_at)).toBe(30 * 60_000)

    // Enrol TOTP first: after the reset, signing in still asks for the code.
    const id = await userId(t.db, 'finance2@hope.demo')
    const enrolment = (await pendingEnrolment(t.db, { id, email: 'finance2@hope.demo' }, { create: true }))!
    await confirmEnrolment(t.db, id, codeAt(enrolment.secret, totpStep()))
    const session = await cookieFor(t.db, 'finance2@hope.demo')

    expect((await call(reset.loader, get(`/login/reset/${token}`), { token })).status).toBe(200)
    const done = await call(
      reset.action,
      post(`/login/reset/${token}`, { password: 'reset password 2026', confirm: 'reset password 2026' }),
      { token },
    )
    expect(done.status).toBe(302)
    expect(done.location).toBe('/login?reset=1')
    expect(
      (
        await call(
          reset.action,
          post(`/login/reset/${token}`, { password: 'again password 2026', confirm: 'again password 2026' }),
          { token },
        )
      ).status,
    ).toBe(404)
    expect((await call(password.loader, get('/admin/password', session))).location).toMatch(/^\/login/)
    const signedIn = await signIn('finance2@hope.demo', 'reset password 2026')
    expect(signedIn.status).toBe(302)
    expect(signedIn.location).toMatch(/^\/login\/totp/)
    expect(tokenFromSetCookie(signedIn.setCookie)).toBeTruthy()

    // A link lapses after 30 minutes.
    await ask('finance2@hope.demo')
    const later = await mails('finance2@hope.demo', 'password-reset')
    const second = tokenOf(JSON.parse(later[1]!.props).url, '/login/reset/')
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(Date.now() + 31 * 60_000)
      expect((await call(reset.loader, get(`/login/reset/${second}`), { token: second })).status).toBe(404)
    } finally {
      vi.useRealTimers()
    }
  })

  it('forgot password is rate-limited per address, answering the same', async () => {
    const ask = () =>
      call(forgot.action, post('/login/forgot', { email: 'auditor@hope.demo' }), {}, { clientIp: '203.0.113.61' })
    const answers = []
    for (let i = 0; i < RESET_EMAIL_LIMIT.max + 2; i++) answers.push(await ask())
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
    expect(await mails('auditor@hope.demo', 'password-reset')).toHaveLength(RESET_EMAIL_LIMIT.max)
  })

  it('an admin forces a reset: the old password stops working, sessions end, a reset mail is queued', async () => {
    const email = 'caseworker.zhenxiong@hope.demo'
    const id = await userId(t.db, email)
    const theirs = await cookieFor(t.db, email)
    const o = await call(staffMember.action, post(`/admin/staff/${id}`, { intent: 'force-reset' }, admin), {
      id: String(id),
    })
    expect(o.status).toBe(302)
    expect((await signIn(email, DEMO_PASSWORD, '203.0.113.70')).status).toBe(401)
    expect((await call(password.loader, get('/admin/password', theirs))).location).toMatch(/^\/login/)
    const queued = await mails(email, 'password-reset')
    expect(JSON.parse(queued.at(-1)!.props)).toMatchObject({ forced: true, expiresInMinutes: 30 })
    const self = await call(
      staffMember.action,
      post(`/admin/staff/${await userId(t.db, 'admin@hope.demo')}`, { intent: 'force-reset' }, admin),
      { id: String(await userId(t.db, 'admin@hope.demo')) },
    )
    expect(self.status).toBe(400)
  })

  it('a 403 inside /admin names the missing permission, and the layout still loads for the nav', async () => {
    const caseworker = await cookieFor(t.db, 'caseworker.huize@hope.demo')
    let body = ''
    try {
      await staffList.loader({ request: get('/admin/staff', caseworker), params: {}, context: {} } as never)
    } catch (e) {
      expect((e as Response).status).toBe(403)
      body = await (e as Response).text()
    }
    expect(body).toBe('missing permission: staff.read')
    expect((await call(adminLayout.loader, get('/admin/staff', caseworker))).status).toBe(200)
  })
})

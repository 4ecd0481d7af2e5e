import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  consumeDonorSignIn,
  requestDonorSignIn,
  SIGN_IN_RESPONSE_FLOOR_MS,
  SIGN_IN_TTL_MS,
} from '~/modules/auth/donor.server'
import { sha256Hex } from '~/modules/auth/tokens.server'
import { cancelDonorRecurringGift, donorCardUpdateUrl } from '~/modules/donations/donor.server'
import type { PaymentProvider } from '~/modules/payments/provider'
import { action as logoutAction } from '~/routes/logout'
import { action as recurringAction, loader as recurringLoader } from '~/routes/donor.recurring'
import { loader as rootLoader } from '~/root'
import { translator } from '~/utils/i18n'
import { loader as giftsLoader } from '~/routes/donor._index'
import { loader as statementsLoader } from '~/routes/donor.statements'
import { action as signInAction } from '~/routes/donor.signin'
import { action as confirmAction, loader as confirmLoader } from '~/routes/donor.signin_.$token'
import { call, cookieFor, get, post, seededDb, tokenFromSetCookie } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Donor portal: emailed sign-in links (single use, 30 minutes, only a hash stored,
// nothing revealed about which addresses have gifts), a donor's own gifts only,
// monthly gifts cancelled at the provider and here.

describe.skipIf(skipReason)(`donor portal on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  const linkFor = async (email: string) => {
    const row = await t.db
      .selectFrom('mail_outbox')
      .select(['props', 'template', 'id'])
      .where('to_address', '=', email)
      .where('template', '=', 'sign-in-link')
      .orderBy('id', 'desc')
      .executeTakeFirst()
    if (!row) return null
    const url = (JSON.parse(row.props) as { url: string }).url
    return {
      url,
      token: url.split('/').pop()!,
      props: JSON.parse(row.props) as { url: string; expiresInMinutes: number },
    }
  }
  const signInMails = async (email: string) =>
    (
      await t.db
        .selectFrom('mail_outbox')
        .select('id')
        .where('to_address', '=', email)
        .where('template', '=', 'sign-in-link')
        .execute()
    ).length

  /** Sign in through the routes, as a browser would: ask, read the mail, confirm. */
  async function signIn(email: string): Promise<string> {
    const asked = await call(
      signInAction,
      post('/donor/signin', { email }),
      {},
      { clientIp: `198.51.100.${Math.floor(Math.random() * 200)}` },
    )
    expect(asked.body).toEqual({ sent: true, invalid: false })
    const link = (await linkFor(email))!
    const confirmed = await call(confirmAction, post(`/donor/signin/${link.token}`, {}), { token: link.token })
    expect(confirmed.status).toBe(302)
    return `hl_session=${tokenFromSetCookie(confirmed.setCookie)}`
  }

  it('a sign-in link works once: GET only shows the button, POST signs in, a second POST fails', async () => {
    const email = 'demo-donor-1@example.test'
    const asked = await call(signInAction, post('/donor/signin', { email: ' Demo-Donor-1@Example.test ' }))
    expect(asked.status).toBe(200)
    expect(asked.body).toEqual({ sent: true, invalid: false })
    const link = await linkFor(email)
    expect(link).not.toBeNull()
    expect(link!.url).toMatch(new RegExp(`^http://localhost:3000/donor/signin/[a-z2-7]{32}$`))
    expect(link!.props.expiresInMinutes).toBe(30)

    // Only the hash is stored.
    const stored = await t.db.selectFrom('portal_sign_in_tokens').selectAll().where('email', '=', email).execute()
    expect(stored).toHaveLength(1)
    expect(stored[0]!.token_hash).toBe(sha256Hex(link!.token))
    expect(JSON.stringify(stored)).not.toContain(link!.token)
    expect(Date.parse(stored[0]!.expires_at) - Date.parse(stored[0]!.created_at)).toBe(SIGN_IN_TTL_MS)

    // A prefetching scanner's GET (twice) does not use the link up.
    for (let i = 0; i < 2; i++)
      expect((await call(confirmLoader, get(`/donor/signin/${link!.token}`), { token: link!.token })).body).toEqual({
        valid: true,
      })
    const first = await call(confirmAction, post(`/donor/signin/${link!.token}`, {}), { token: link!.token })
    expect(first.status).toBe(302)
    expect(first.location).toBe('/donor')
    const session = tokenFromSetCookie(first.setCookie)
    expect(session).toBeTruthy()
    const second = await call(confirmAction, post(`/donor/signin/${link!.token}`, {}), { token: link!.token })
    expect(second.status).toBe(400)
    expect(second.setCookie).toBeNull()
    expect((await call(confirmLoader, get(`/donor/signin/${link!.token}`), { token: link!.token })).body).toEqual({
      valid: false,
    })

    // The session belongs to a new donor account: a 'donor' grant, no station, no password.
    const user = await t.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow()
    expect(user.password_hash).toBeNull()
    const grants = await t.db
      .selectFrom('role_grants')
      .select(['role', 'station_id'])
      .where('user_id', '=', user.id)
      .execute()
    expect(grants).toEqual([{ role: 'donor', station_id: null }])
    const page = await call(giftsLoader, get('/donor', `hl_session=${session}`))
    expect(page.status).toBe(200)
    expect(page.body.gifts.length).toBeGreaterThan(0)
  })

  it('a link expires after 30 minutes', async () => {
    const email = 'demo-donor-5@example.test'
    const issuedAt = new Date(Date.now() - SIGN_IN_TTL_MS - 1000)
    expect(await requestDonorSignIn(t.db, { email, ip: '192.0.2.50', locale: 'zh-CN', now: issuedAt })).toBe('sent')
    const link = (await linkFor(email))!
    expect((await call(confirmLoader, get(`/donor/signin/${link.token}`), { token: link.token })).body).toEqual({
      valid: false,
    })
    expect((await call(confirmAction, post(`/donor/signin/${link.token}`, {}), { token: link.token })).status).toBe(400)
    // Just inside the window it would still have worked.
    expect(
      await consumeDonorSignIn(t.db, {
        token: link.token,
        ip: '192.0.2.50',
        now: new Date(issuedAt.getTime() + SIGN_IN_TTL_MS - 1),
      }),
    ).toMatchObject({ ok: true })
  })

  it('two concurrent uses of one link: exactly one signs in', async () => {
    const email = 'demo-donor-6@example.test'
    expect(await requestDonorSignIn(t.db, { email, ip: '192.0.2.60', locale: 'en' })).toBe('sent')
    const link = (await linkFor(email))!
    const results = await Promise.all(
      Array.from({ length: 5 }, () => consumeDonorSignIn(t.db, { token: link.token, ip: '192.0.2.60' })),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(1)
  })

  it('never reveals whether an address has gifts: same answer, no mail, no account', async () => {
    const unknown = 'nobody-gave@example.test'
    const started = Date.now()
    const asked = await call(signInAction, post('/donor/signin', { email: unknown }))
    expect(asked).toMatchObject({ status: 200, body: { sent: true, invalid: false } })
    // No quicker than an address with gifts: the answer waits for the same floor.
    expect(Date.now() - started).toBeGreaterThanOrEqual(SIGN_IN_RESPONSE_FLOOR_MS - 5)
    expect(await signInMails(unknown)).toBe(0)
    expect(await t.db.selectFrom('users').select('id').where('email', '=', unknown).executeTakeFirst()).toBeUndefined()
    // A staff address never gets a link (it would skip password and TOTP), with the same answer.
    await t.db
      .updateTable('donations')
      .set({ donor_email: 'admin@hope.demo' })
      .where('donor_email', '=', 'demo-donor-7@example.test')
      .execute()
    const staff = await call(signInAction, post('/donor/signin', { email: 'admin@hope.demo' }))
    expect(staff.body).toEqual({ sent: true, invalid: false })
    expect(await signInMails('admin@hope.demo')).toBe(0)
    // A malformed address is a form error, not a hint.
    expect((await call(signInAction, post('/donor/signin', { email: 'not-an-email' }))).status).toBe(400)
  })

  it('rate-limits per email and per IP, with the same answer', async () => {
    const email = 'demo-donor-8@example.test'
    for (let i = 0; i < 5; i++) {
      const r = await call(signInAction, post('/donor/signin', { email }), {}, { clientIp: `203.0.113.${100 + i}` })
      expect(r.body).toEqual({ sent: true, invalid: false })
    }
    expect(await signInMails(email)).toBe(3)
    const outcomes = []
    for (let i = 0; i < 22; i++)
      outcomes.push(
        await requestDonorSignIn(t.db, {
          email: `demo-donor-${20 + i}@example.test`,
          ip: '203.0.113.250',
          locale: 'zh-CN',
        }),
      )
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(20)
    expect(outcomes.slice(20)).toEqual(['rate_limited', 'rate_limited'])
  })

  it('a donor sees only their own gifts, statements and monthly gifts', async () => {
    const a = 'demo-donor-2@example.test'
    const b = 'demo-donor-3@example.test'
    const cookieA = await signIn(a)
    const cookieB = await signIn(b)
    const own = async (email: string) =>
      (
        await t.db
          .selectFrom('donations')
          .select('public_id')
          .where('donor_email', '=', email)
          .where('status', '=', 'paid')
          .execute()
      )
        .map((d) => d.public_id)
        .sort()
    const pageA = await call(giftsLoader, get('/donor', cookieA))
    const pageB = await call(giftsLoader, get('/donor', cookieB))
    expect(pageA.body.gifts.map((g: { publicId: string }) => g.publicId).sort()).toEqual(await own(a))
    expect(pageB.body.gifts.map((g: { publicId: string }) => g.publicId).sort()).toEqual(await own(b))
    for (const g of pageA.body.gifts) {
      expect(g.traceUrl).toMatch(/\/trace\//)
      expect(g.receipt.pdfUrl).toMatch(/\/receipts\/HL-\d{4}-\d{6}\.pdf\?code=/)
    }
    const trackingB = await t.db.selectFrom('donations').select('tracking_code').where('donor_email', '=', b).execute()
    for (const { tracking_code } of trackingB) expect(JSON.stringify(pageA.body)).not.toContain(tracking_code)
    expect((await call(statementsLoader, get('/donor/statements', cookieA))).body.years.length).toBeGreaterThan(0)
    expect((await call(recurringLoader, get('/donor/recurring', cookieA))).body.gifts).toEqual([])
    expect((await call(recurringLoader, get('/donor/recurring', cookieB))).body.gifts).toHaveLength(1)

    // A cancel aimed at someone else's monthly gift is a 404 and changes nothing.
    const giftB = await t.db
      .selectFrom('recurring_gifts')
      .select(['id', 'status'])
      .where('donor_email', '=', b)
      .executeTakeFirstOrThrow()
    const foreign = await call(
      recurringAction,
      post('/donor/recurring', { intent: 'cancel', id: String(giftB.id) }, cookieA),
    )
    expect(foreign.status).toBe(404)
    expect(
      (await t.db.selectFrom('recurring_gifts').select('status').where('id', '=', giftB.id).executeTakeFirstOrThrow())
        .status,
    ).toBe('active')

    // No session → the sign-in page; a staff session → 403.
    expect((await call(giftsLoader, get('/donor'))).location).toBe('/donor/signin')
    expect((await call(giftsLoader, get('/donor', await cookieFor(t.db, 'auditor@hope.demo')))).status).toBe(403)
  })

  it('a cancelled monthly gift is canceled: at the provider first, then here', async () => {
    const email = 'demo-donor-3@example.test'
    const gift = await t.db
      .selectFrom('recurring_gifts')
      .selectAll()
      .where('donor_email', '=', email)
      .executeTakeFirstOrThrow()
    const donor = await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()
    const calls: string[] = []
    const provider = {
      name: 'demo',
      cancelSubscription: async (id: string) => void calls.push(id),
    } as unknown as PaymentProvider
    const failing = {
      name: 'demo',
      cancelSubscription: async () => Promise.reject(new Error('provider down')),
    } as unknown as PaymentProvider
    await expect(
      cancelDonorRecurringGift(t.db, failing, {
        id: gift.id,
        donorEmail: email,
        actorUserId: donor.id,
        ip: '192.0.2.1',
      }),
    ).rejects.toThrow('provider down')
    expect(
      (await t.db.selectFrom('recurring_gifts').select('status').where('id', '=', gift.id).executeTakeFirstOrThrow())
        .status,
    ).toBe('active')
    const stripeOnly = {
      name: 'stripe',
      cancelSubscription: async () => calls.push('wrong'),
    } as unknown as PaymentProvider
    expect(
      await cancelDonorRecurringGift(t.db, stripeOnly, {
        id: gift.id,
        donorEmail: email,
        actorUserId: donor.id,
        ip: '192.0.2.1',
      }),
    ).toBe('provider_unavailable')
    expect(
      await cancelDonorRecurringGift(t.db, provider, {
        id: gift.id,
        donorEmail: email,
        actorUserId: donor.id,
        ip: '192.0.2.1',
      }),
    ).toBe('canceled')
    expect(calls).toEqual(['sub_demo_seed_1'])
    const after = await t.db
      .selectFrom('recurring_gifts')
      .selectAll()
      .where('id', '=', gift.id)
      .executeTakeFirstOrThrow()
    expect(after.status).toBe('canceled')
    expect(after.canceled_at).toBeTruthy()
    expect(
      await cancelDonorRecurringGift(t.db, provider, {
        id: gift.id,
        donorEmail: email,
        actorUserId: donor.id,
        ip: '192.0.2.1',
      }),
    ).toBe('already_canceled')
    expect(calls).toHaveLength(1)
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('entity_type', '=', 'recurring_gift')
      .where('entity_id', '=', String(gift.id))
      .execute()
    expect(audit).toEqual([{ action: 'donation.recurring_canceled', actor_user_id: donor.id }])
  })

  it('the cancel button works through the route (demo provider), without JavaScript', async () => {
    const email = 'demo-donor-9@example.test'
    const at = new Date().toISOString()
    const gift = await t.db
      .insertInto('recurring_gifts')
      .values({
        provider: 'demo',
        provider_subscription_id: null,
        provider_customer_id: null,
        status: 'pending',
        donor_email: email,
        amount: 5000,
        currency: 'CNY',
        created_at: at,
        canceled_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const cookie = await signIn(email)
    const page = await call(recurringLoader, get('/donor/recurring', cookie))
    expect(page.body.gifts).toMatchObject([{ id: gift.id, status: 'pending', cardUpdate: false }])
    const res = await call(recurringAction, post('/donor/recurring', { intent: 'cancel', id: String(gift.id) }, cookie))
    expect(res).toMatchObject({ status: 302, location: '/donor/recurring?canceled=1' })
    expect(
      (await t.db.selectFrom('recurring_gifts').select('status').where('id', '=', gift.id).executeTakeFirstOrThrow())
        .status,
    ).toBe('canceled')
    // Card update is offered only for Stripe subscriptions where Stripe is configured.
    expect(
      (await call(recurringAction, post('/donor/recurring', { intent: 'card', id: String(gift.id) }, cookie))).status,
    ).toBe(404)
    // Signing out from the portal returns to its sign-in page; the session is gone.
    expect(await call(logoutAction, post('/logout', { next: '/donor/signin' }, cookie))).toMatchObject({
      status: 302,
      location: '/donor/signin',
    })
    expect((await call(recurringLoader, get('/donor/recurring', cookie))).location).toBe('/donor/signin')
    expect((await call(logoutAction, post('/logout', { next: 'https://evil.example/' }, cookie))).location).toBe(
      '/login',
    )
  })

  it('a monthly gift with a paid first instalment is active; cancelling asks first and mails the donor', async () => {
    const email = 'demo-donor-12@example.test'
    const at = new Date().toISOString()
    // As the demo checkout leaves it: no provider subscription, so the row still says pending.
    const gift = await t.db
      .insertInto('recurring_gifts')
      .values({
        provider: 'demo',
        provider_subscription_id: null,
        provider_customer_id: null,
        status: 'pending',
        donor_email: email,
        amount: 10000,
        currency: 'CNY',
        created_at: at,
        canceled_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const first = await t.db
      .selectFrom('donations')
      .select(['id', 'locale'])
      .where('donor_email', '=', email)
      .where('status', '=', 'paid')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    await t.db.updateTable('donations').set({ recurring_gift_id: gift.id }).where('id', '=', first.id).execute()
    const cookie = await signIn(email)
    const page = await call(recurringLoader, get('/donor/recurring', cookie))
    expect(page.body.gifts).toMatchObject([{ id: gift.id, status: 'active', paidInstalments: 1 }])
    expect(page.body.confirming).toBeNull()

    // The cancel button is a link to the confirmation step; nothing changes until it is confirmed.
    const confirm = await call(recurringLoader, get(`/donor/recurring?cancel=${gift.id}`, cookie))
    expect(confirm.body.confirming).toMatchObject({ id: gift.id, amount: 10000 })
    const stillOn = await t.db
      .selectFrom('recurring_gifts')
      .select('status')
      .where('id', '=', gift.id)
      .executeTakeFirstOrThrow()
    expect(stillOn.status).toBe('pending')
    const res = await call(recurringAction, post('/donor/recurring', { intent: 'cancel', id: String(gift.id) }, cookie))
    expect(res).toMatchObject({ status: 302, location: '/donor/recurring?canceled=1' })
    const mails = await t.db
      .selectFrom('mail_outbox')
      .select(['template', 'locale', 'props'])
      .where('to_address', '=', email)
      .where('template', '=', 'monthly-gift-canceled')
      .execute()
    expect(mails).toHaveLength(1)
    expect(mails[0]!.locale).toBe(first.locale)
    expect(JSON.parse(mails[0]!.props)).toMatchObject({ amount: 10000, currency: 'CNY', paidInstalments: 1 })
    // Someone else's gift has no confirmation step.
    expect((await call(recurringLoader, get(`/donor/recurring?cancel=${gift.id}`, cookie))).body.confirming).toBeNull()
  })

  it('the header says who is signed in: staff, donor, or nobody', async () => {
    const viewer = async (cookie?: string) => (await call(rootLoader, get('/', cookie))).body.viewer
    expect(await viewer()).toBeNull()
    expect(await viewer(await signIn('demo-donor-13@example.test'))).toBe('donor')
    expect(await viewer(await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo'))).toBe('staff')
    expect(await viewer('hl_session=not-a-session')).toBeNull()
    for (const locale of ['zh-CN', 'en'] as const) {
      const t9 = translator(locale)
      expect(t9('nav.staffSignedIn')).not.toBe(t9('nav.staff'))
      expect(t9('nav.donorSignedIn')).not.toBe(t9('nav.donor'))
    }
  })

  it("card update: Stripe's customer portal for the donor's own active Stripe subscription only", async () => {
    const at = new Date().toISOString()
    const gift = await t.db
      .insertInto('recurring_gifts')
      .values({
        provider: 'stripe',
        provider_subscription_id: 'sub_1',
        provider_customer_id: 'cus_1',
        status: 'active',
        donor_email: 'demo-donor-10@example.test',
        amount: 5000,
        currency: 'CNY',
        created_at: at,
        canceled_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const asked: string[] = []
    const stripe = {
      name: 'stripe',
      customerPortalUrl: async (customer: string, returnUrl: string) => (
        asked.push(`${customer} ${returnUrl}`),
        `https://billing.stripe.com/p/session/test_${customer}`
      ),
    } as unknown as PaymentProvider
    const returnUrl = 'http://localhost:3000/donor/recurring'
    expect(
      await donorCardUpdateUrl(t.db, stripe, { id: gift.id, donorEmail: 'demo-donor-10@example.test', returnUrl }),
    ).toBe('https://billing.stripe.com/p/session/test_cus_1')
    expect(asked).toEqual([`cus_1 ${returnUrl}`])
    expect(
      await donorCardUpdateUrl(t.db, stripe, { id: gift.id, donorEmail: 'demo-donor-11@example.test', returnUrl }),
    ).toBeNull()
    const demo = { name: 'demo', customerPortalUrl: async () => 'x' } as unknown as PaymentProvider
    expect(
      await donorCardUpdateUrl(t.db, demo, { id: gift.id, donorEmail: 'demo-donor-10@example.test', returnUrl }),
    ).toBeNull()
    expect(asked).toHaveLength(1)
  })
})

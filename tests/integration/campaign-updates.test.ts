import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { normaliseEmail } from '~/modules/auth/login.server'
import {
  approveUpdate,
  createUpdate,
  donorUpdates,
  isUnsubscribed,
  publicUpdates,
  queueUpdateMails,
  setUpdateMails,
  type UpdateActor,
} from '~/modules/campaigns/updates.server'
import * as campaignPage from '~/routes/campaigns.$slug'
import * as staffPage from '~/routes/admin.updates'
import * as unsubscribePage from '~/routes/updates.unsubscribe.$token'
import { hashPassword } from '~/modules/auth/password.server'
import { call, cookieFor, get, post, seededDb, userId } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Progress updates: maker-checker, one mail per donor per update however often the send
// is retried, the unsubscribe link (a GET asks, only a POST acts), nothing public before approval.

describe.skipIf(skipReason)(`campaign progress updates on ${testDialect}`, () => {
  let t: TestDb
  let campaignId: number
  let slug: string
  let author: UpdateActor
  let checker: UpdateActor

  const updateMails = async (updateId: number) =>
    (
      await t.db
        .selectFrom('mail_outbox')
        .select(['to_address', 'props', 'dedupe_key'])
        .where('template', '=', 'campaign-update')
        .where('dedupe_key', 'like', `campaign-update:${updateId}:%`)
        .execute()
    ).map((r) => ({ to: r.to_address, props: JSON.parse(r.props) as { unsubscribeUrl: string } }))

  const donorEmails = async () => {
    const rows = await t.db
      .selectFrom('donations')
      .select('donor_email')
      .where('campaign_id', '=', campaignId)
      .where('status', 'in', ['paid', 'partially_refunded'])
      .execute()
    return new Set(rows.map((r) => normaliseEmail(r.donor_email)))
  }

  beforeAll(async () => {
    t = await seededDb()
    const gift = await t.db
      .selectFrom('donations as d')
      .innerJoin('campaigns as c', 'c.id', 'd.campaign_id')
      .selectAll('d')
      .select('c.slug')
      .where('d.status', '=', 'paid')
      .orderBy('d.id')
      .executeTakeFirstOrThrow()
    campaignId = Number(gift.campaign_id)
    slug = gift.slug
    // One donor, two gifts, the address written two ways: still one donor.
    for (const [i, email] of ['Twice@Example.org', ' twice@example.org'].entries()) {
      const { id: _id, slug: _slug, ...rest } = gift
      await t.db
        .insertInto('donations')
        .values({
          ...rest,
          public_id: `upd-test-${i}`,
          tracking_code: `UPDTEST${i}`,
          checkout_idempotency_key: null,
          provider_session_id: null,
          provider_invoice_id: null,
          source_ref: null,
          donor_email: email,
        })
        .execute()
    }
    const root = await t.db
      .selectFrom('stations')
      .select(['id', 'path'])
      .where('code', '=', '530000')
      .executeTakeFirstOrThrow()
    const at = new Date().toISOString()
    const second = await t.db
      .insertInto('users')
      .values({
        email: 'admin2@updates.test',
        display_name: '第二管理员',
        password_hash: await hashPassword('pw-updates-2026'),
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('role_grants')
      .values({ user_id: second.id, role: 'admin', station_id: root.id, created_at: at })
      .execute()
    author = { id: await userId(t.db, 'admin@hope.demo'), scope: [root.path] }
    checker = { id: Number(second.id), scope: [root.path] }
  })
  afterAll(async () => t?.destroy())

  let first: number

  it('a pending update is invisible on the campaign page and in the donor portal', async () => {
    first = await createUpdate(t.db, author, {
      campaignId,
      title: '第一批助学金已发放',
      body: '48 名学生领到了助学金。',
    })
    expect(await publicUpdates(t.db, campaignId)).toEqual([])
    expect(await donorUpdates(t.db, 'twice@example.org')).toEqual([])
    const page = await call(campaignPage.loader as any, get(`/campaigns/${slug}`), { slug })
    expect(page.status).toBe(200)
    expect(page.body.updates).toEqual([])
    expect(await updateMails(first)).toEqual([])
  })

  it('the author cannot approve their own update: not in the module, the route or the schema', async () => {
    await expect(approveUpdate(t.db, author, first)).rejects.toMatchObject({
      messageKey: 'updates.error.ownUpdate',
      status: 403,
    })
    const cookie = await cookieFor(t.db, 'admin@hope.demo')
    const o = await call(
      staffPage.action as any,
      post('/admin/updates', { intent: 'approve', updateId: String(first) }, cookie),
    )
    expect(o.status).toBe(403)
    expect(o.body.errors.form).toBe('updates.error.ownUpdate')
    await expect(
      t.db
        .updateTable('campaign_updates')
        .set({ status: 'approved', approved_by: author.id, approved_at: new Date().toISOString() })
        .where('id', '=', first)
        .execute(),
    ).rejects.toThrow()
    const row = await t.db
      .selectFrom('campaign_updates')
      .select('status')
      .where('id', '=', first)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('pending')
    expect(await updateMails(first)).toEqual([])
  })

  it('a colleague approves it: public, and one mail per donor (by normalised email); a retry never doubles', async () => {
    const donors = await donorEmails()
    expect(donors.has('twice@example.org')).toBe(true)
    const { queued } = await approveUpdate(t.db, checker, first)
    expect(queued).toBe(donors.size)
    const mails = await updateMails(first)
    expect(mails.map((m) => m.to).sort()).toEqual([...donors].sort())
    expect(mails.filter((m) => m.to === 'twice@example.org')).toHaveLength(1)
    // A retried send (after a crash, or a double click) queues nothing more.
    expect(await queueUpdateMails(t.db, first)).toBe(0)
    await Promise.all([queueUpdateMails(t.db, first), queueUpdateMails(t.db, first)])
    expect(await updateMails(first)).toHaveLength(donors.size)
    // Approving twice is refused, and still mails nobody again.
    await expect(approveUpdate(t.db, checker, first)).rejects.toMatchObject({ status: 404 })
    expect(await updateMails(first)).toHaveLength(donors.size)
    expect((await publicUpdates(t.db, campaignId)).map((u) => u.id)).toEqual([first])
    expect((await donorUpdates(t.db, 'TWICE@example.org')).map((u) => u.id)).toEqual([first])
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'campaign_update')
      .execute()
    expect(audit.map((a) => a.action).sort()).toEqual(['update.approve', 'update.create'])
  })

  it('the unsubscribe link: GET only asks, POST unsubscribes, and the next update skips that donor', async () => {
    const mail = (await updateMails(first)).find((m) => m.to === 'twice@example.org')!
    const token = new URL(mail.props.unsubscribeUrl).pathname.split('/').pop()!
    const path = `/updates/unsubscribe/${token}`
    const ask = await call(unsubscribePage.loader as any, get(path), { token })
    expect(ask.status).toBe(200)
    expect(ask.body.valid).toBe(true)
    // A second GET (a mail scanner following links) changes nothing either.
    await call(unsubscribePage.loader as any, get(path), { token })
    expect(await isUnsubscribed(t.db, 'twice@example.org')).toBe(false)
    const bad = await call(unsubscribePage.action as any, post('/updates/unsubscribe/x', {}), { token: 'a'.repeat(32) })
    expect(bad.status).toBe(404)
    expect(await isUnsubscribed(t.db, 'twice@example.org')).toBe(false)
    const done = await call(unsubscribePage.action as any, post(path, {}), { token })
    expect(done.status).toBe(200)
    expect(await isUnsubscribed(t.db, 'Twice@Example.org')).toBe(true)

    const second = await createUpdate(t.db, checker, { campaignId, title: '第二批', body: '第二批助学金已发放。' })
    await approveUpdate(t.db, author, second)
    const to = (await updateMails(second)).map((m) => m.to)
    expect(to).not.toContain('twice@example.org')
    expect(to).toHaveLength((await donorEmails()).size - 1)

    // The portal setting turns it back on; the next update reaches the donor again.
    await setUpdateMails(t.db, 'twice@example.org', true, 'portal')
    const third = await createUpdate(t.db, checker, { campaignId, title: '第三批', body: '第三批。' })
    await approveUpdate(t.db, author, third)
    expect((await updateMails(third)).map((m) => m.to)).toContain('twice@example.org')
  })

  it('the staff page refuses bad input on its field with a 400, writing nothing', async () => {
    const cookie = await cookieFor(t.db, 'admin@hope.demo')
    const before = await t.db.selectFrom('campaign_updates').select('id').execute()
    const o = await call(
      staffPage.action as any,
      post('/admin/updates', { intent: 'create', campaignId: String(campaignId), title: '', body: 'x' }, cookie),
    )
    expect(o.status).toBe(400)
    expect(o.body.errors.title).toBe('updates.error.required')
    const pending = await createUpdate(t.db, author, { campaignId, title: '未审核', body: '不应公开' })
    expect((await publicUpdates(t.db, campaignId)).map((u) => u.id)).not.toContain(pending)
    expect((await t.db.selectFrom('campaign_updates').select('id').execute()).length).toBe(before.length + 1)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loader as htmlLoader } from '~/routes/admin.outbox.$id.html'
import { action as messageAction, loader as messageLoader } from '~/routes/admin.outbox.$id'
import { action as listAction, loader as listLoader } from '~/routes/admin.outbox._index'
import { call, cookieFor, get, post, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// The staff outbox pages: the list with its filters, one message, its HTML served
// for a sandboxed iframe (no scripts, no same-origin), and retrying a failed message.

describe.skipIf(skipReason)(`outbox pages on ${testDialect}`, () => {
  let t: TestDb
  let admin = ''
  let auditor = ''
  let countyAdmin = ''
  beforeAll(async () => {
    t = await seededDb()
    admin = await cookieFor(t.db, 'admin@hope.demo')
    auditor = await cookieFor(t.db, 'auditor@hope.demo')
    // A caseworker has no outbox.read at all; a county-level admin has it but no root scope.
    const at = new Date().toISOString()
    const user = await t.db
      .insertInto('users')
      .values({ email: 'admin.huize@outbox.test', display_name: '会泽管理员', password_hash: null, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    const station = await t.db
      .selectFrom('stations')
      .select('id')
      .where('code', '=', '530326')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('role_grants')
      .values({ user_id: user.id, role: 'admin', station_id: station.id, created_at: at })
      .execute()
    countyAdmin = await cookieFor(t.db, 'admin.huize@outbox.test')
  })
  afterAll(async () => t?.destroy())

  it('lists the demo receipts, newest first, and filters by status and recipient', async () => {
    const page = await call(listLoader, get('/admin/outbox', auditor))
    expect(page.status).toBe(200)
    expect(page.body.root).toBe(true)
    expect(page.body.items).toHaveLength(50)
    expect(page.body.next).not.toBeNull()
    expect(page.body.counts.queued).toBeGreaterThanOrEqual(120)
    const ids = page.body.items.map((m: { id: number }) => m.id)
    expect([...ids].sort((a, b) => b - a)).toEqual(ids)
    expect(page.body.items.some((m: { template: string }) => m.template === 'donation-receipt')).toBe(true)

    const one = await call(listLoader, get('/admin/outbox?to=Demo-Donor-4@example.test&status=queued', auditor))
    expect(one.body.items.length).toBeGreaterThan(0)
    for (const m of one.body.items) expect(m).toMatchObject({ to: 'demo-donor-4@example.test', status: 'queued' })
    expect((await call(listLoader, get('/admin/outbox?status=failed', auditor))).body.items).toEqual([])
    const older = await call(listLoader, get(`/admin/outbox?before=${page.body.next}`, auditor))
    expect(older.body.items[0].id).toBeLessThan(page.body.next + 1)
  })

  it('one message: headers and text; its HTML goes to a sandboxed iframe with no scripts', async () => {
    const row = await t.db
      .selectFrom('mail_outbox')
      .select(['id', 'message_id', 'to_address'])
      .where('template', '=', 'donation-receipt')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const page = await call(messageLoader, get(`/admin/outbox/${row.id}`, auditor), { id: String(row.id) })
    expect(page.status).toBe(200)
    expect(page.body.message).toMatchObject({
      id: row.id,
      to: row.to_address,
      messageId: row.message_id,
      template: 'donation-receipt',
    })
    expect(page.body.message.text).toMatch(/HL-\d{4}-\d{6}/)
    expect(page.body.canRetry).toBe(false)
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'mail_outbox')
      .where('entity_id', '=', String(row.id))
      .execute()
    expect(audit.map((a) => a.action)).toContain('outbox.read')

    const res = (await htmlLoader({
      request: get(`/admin/outbox/${row.id}/html`, auditor),
      params: { id: String(row.id) },
      context: {},
    })) as Response
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8')
    const csp = res.headers.get('Content-Security-Policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toMatch(/(^|; )sandbox(;|$)/)
    expect(csp).not.toMatch(/script-src/)
    expect(csp).toContain("frame-ancestors 'self'")
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
    expect(res.headers.get('X-Frame-Options')).toBe('SAMEORIGIN')
    expect(res.headers.get('Cache-Control')).toContain('no-store')
    expect(await res.text()).toMatch(/HL-\d{4}-\d{6}/)

    // The page frames it with sandbox="" (no allow-scripts, no allow-same-origin).
    const source = await import('node:fs').then((fs) => fs.readFileSync('app/routes/admin.outbox.$id.tsx', 'utf8'))
    expect(source).toMatch(/<iframe[\s\S]*?src=\{`\/admin\/outbox\/\$\{m\.id\}\/html`\}[\s\S]*?sandbox=""/)
  })

  it('guards: anonymous → sign-in, caseworker → 403, county admin → nothing listed and 404 on a message', async () => {
    const row = await t.db.selectFrom('mail_outbox').select('id').orderBy('id').executeTakeFirstOrThrow()
    const params = { id: String(row.id) }
    expect((await call(listLoader, get('/admin/outbox'))).location).toMatch(/^\/login/)
    expect((await call(htmlLoader, get(`/admin/outbox/${row.id}/html`), params)).location).toMatch(/^\/login/)
    const caseworker = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    expect((await call(listLoader, get('/admin/outbox', caseworker))).status).toBe(403)
    expect((await call(htmlLoader, get(`/admin/outbox/${row.id}/html`, caseworker), params)).status).toBe(403)
    const county = await call(listLoader, get('/admin/outbox', countyAdmin))
    expect(county.body).toMatchObject({ root: false, items: [] })
    expect((await call(messageLoader, get(`/admin/outbox/${row.id}`, countyAdmin), params)).status).toBe(404)
    expect((await call(htmlLoader, get(`/admin/outbox/${row.id}/html`, countyAdmin), params)).status).toBe(404)
    expect((await call(messageLoader, get('/admin/outbox/99999999', admin), { id: '99999999' })).status).toBe(404)
  })

  it('retry puts a failed message back in the queue (admins only); anything else is left alone', async () => {
    const [failed, queued] = await t.db
      .selectFrom('mail_outbox')
      .select('id')
      .where('status', '=', 'queued')
      .orderBy('id')
      .limit(2)
      .execute()
    await t.db
      .updateTable('mail_outbox')
      .set({ status: 'failed', attempts: 10, last_error: '550 mailbox unavailable' })
      .where('id', '=', failed!.id)
      .execute()
    const list = await call(listLoader, get('/admin/outbox?status=failed', admin))
    expect(list.body.items.map((m: { id: number }) => m.id)).toEqual([failed!.id])
    expect(list.body.canRetry).toBe(true)

    expect(
      (await call(listAction, post('/admin/outbox', { intent: 'retry', id: String(failed!.id) }, auditor))).status,
    ).toBe(403)
    const ok = await call(
      listAction,
      post('/admin/outbox', { intent: 'retry', id: String(failed!.id), back: '/admin/outbox?status=failed' }, admin),
    )
    expect(ok).toMatchObject({ status: 302, location: '/admin/outbox?status=failed&retried=1' })
    const row = await t.db.selectFrom('mail_outbox').selectAll().where('id', '=', failed!.id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'queued', attempts: 0, last_error: null })

    const notFailed = await call(messageAction, post(`/admin/outbox/${queued!.id}`, { intent: 'retry' }, admin), {
      id: String(queued!.id),
    })
    expect(notFailed).toMatchObject({ status: 302, location: `/admin/outbox/${queued!.id}?retried=0` })
    // An open redirect through `back` is not possible.
    const evil = await call(
      listAction,
      post('/admin/outbox', { intent: 'retry', id: String(failed!.id), back: 'https://evil.example/' }, admin),
    )
    expect(evil.location).toBe('/admin/outbox?retried=0')
  })
})

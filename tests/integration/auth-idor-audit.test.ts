import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordAudit } from '~/modules/audit/audit.server'
import { requireStaff } from '~/modules/auth/authorize.server'
import * as audit from '~/routes/admin.audit'
import * as students from '~/routes/admin.students._index'
import * as student from '~/routes/admin.students.$id'
import { call, cookieFor, get, post, seededDb, userId } from '../support/auth-fixtures'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

// Station IDOR on every student loader and action, and the audit log: reads of
// personal data recorded, changes with before/after, rows never updated or deleted.

describe.skipIf(skipReason)(`station scoping and audit on ${testDialect}`, () => {
  let t: TestDb
  let huize = ''
  let zhenxiong = ''
  let all: { id: number; public_code: string }[] = []
  beforeAll(async () => {
    t = await seededDb()
    huize = await cookieFor(t.db, 'caseworker.huize@hope.demo')
    zhenxiong = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    all = (await t.db.selectFrom('beneficiaries').select(['id', 'public_code']).orderBy('id').execute()).map((s) => ({
      ...s,
      id: Number(s.id),
    }))
  })
  afterAll(async () => t?.destroy())

  it('the list shows only the caseworker’s own county', async () => {
    const list = await call(students.loader, get('/admin/students', huize))
    const codes: string[] = list.body.students.map((s: { publicCode: string }) => s.publicCode)
    expect(codes.length).toBeGreaterThan(0)
    expect(codes.every((c) => c.startsWith('HP-530326-'))).toBe(true)
    expect(codes).toHaveLength(all.filter((s) => s.public_code.startsWith('HP-530326-')).length)
  })

  it('every other county’s student is 404 on loader and action, like a missing id; own county works', async () => {
    for (const s of all) {
      const own = s.public_code.startsWith('HP-530326-')
      const read = await call(student.loader, get(`/admin/students/${s.id}`, huize), { id: String(s.id) })
      expect(read.status, `${s.public_code} loader`).toBe(own ? 200 : 404)
      const write = await call(
        student.action,
        post(`/admin/students/${s.id}`, { nextVerificationOn: '2027-03-01' }, huize),
        { id: String(s.id) },
      )
      expect(write.status, `${s.public_code} action`).toBe(own ? 302 : 404)
      const invalid = await call(
        student.action,
        post(`/admin/students/${s.id}`, { nextVerificationOn: 'soon' }, huize),
        { id: String(s.id) },
      )
      expect(invalid.status, `${s.public_code} invalid action`).toBe(own ? 400 : 404)
    }
    const missing = await call(student.loader, get('/admin/students/999999', huize), { id: '999999' })
    expect(missing.status).toBe(404)
    const untouched = await t.db
      .selectFrom('beneficiaries')
      .select('next_verification_on')
      .where('public_code', 'like', 'HP-530627-%')
      .execute()
    expect(untouched.some((s) => s.next_verification_on === '2027-03-01')).toBe(false)
  })

  it('a read of personal data writes an audit row naming who, what and which student', async () => {
    const target = all.find((s) => s.public_code.startsWith('HP-530627-'))!
    const before = await t.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'student.personal_data_read')
      .execute()
    const read = await call(student.loader, get(`/admin/students/${target.id}`, zhenxiong), { id: String(target.id) })
    expect(read.status).toBe(200)
    expect(read.body.student.legal_name).toBeTruthy()
    const rows = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'student.personal_data_read')
      .orderBy('id', 'desc')
      .execute()
    expect(rows).toHaveLength(before.length + 1)
    expect(Number(rows[0]!.actor_user_id)).toBe(await userId(t.db, 'caseworker.zhenxiong@hope.demo'))
    expect(rows[0]!.entity_type).toBe('beneficiary')
    expect(rows[0]!.entity_id).toBe(String(target.id))
    expect(rows[0]!.ip).toBe('203.0.113.7')
    // The audit row itself holds no personal data.
    expect(JSON.stringify(rows[0])).not.toContain(read.body.student.legal_name)
  })

  it('a change is recorded with before and after', async () => {
    const target = all.find((s) => s.public_code.startsWith('HP-530627-'))!
    const prior = await t.db
      .selectFrom('beneficiaries')
      .select('next_verification_on')
      .where('id', '=', target.id)
      .executeTakeFirstOrThrow()
    expect(
      (
        await call(
          student.action,
          post(`/admin/students/${target.id}`, { nextVerificationOn: '2027-04-15' }, zhenxiong),
          { id: String(target.id) },
        )
      ).status,
    ).toBe(302)
    const row = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'student.verification_recorded')
      .where('entity_id', '=', String(target.id))
      .executeTakeFirstOrThrow()
    expect(JSON.parse(row.before!)).toEqual({ next_verification_on: prior.next_verification_on })
    expect(JSON.parse(row.after!)).toEqual({ next_verification_on: '2027-04-15' })
  })

  it('audit rows can never be updated or deleted', async () => {
    await recordAudit(t.db, { actorUserId: null, action: 'auth.login', entityType: 'user' })
    await expect(t.db.updateTable('audit_log').set({ action: 'tampered' }).execute()).rejects.toThrow(/append-only/)
    await expect(t.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/)
    if (testDialect === 'postgres') await expect(sql`truncate audit_log`.execute(t.db)).rejects.toThrow(/append-only/)
    const row = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'tampered' as never)
      .executeTakeFirst()
    expect(row).toBeUndefined()
  })

  it('the audit page filters by actor and action; auditors may read it, caseworkers may not', async () => {
    const auditor = await cookieFor(t.db, 'auditor@hope.demo')
    const page = await call(
      audit.loader,
      get('/admin/audit?actor=caseworker.zhenxiong%40hope.demo&action=student.personal_data_read', auditor),
    )
    expect(page.status).toBe(200)
    expect(page.body.rows.length).toBeGreaterThan(0)
    expect(
      page.body.rows.every(
        (r: { actorEmail: string; action: string }) =>
          r.actorEmail === 'caseworker.zhenxiong@hope.demo' && r.action === 'student.personal_data_read',
      ),
    ).toBe(true)
    const none = await call(audit.loader, get('/admin/audit?actor=nobody%40hope.demo', auditor))
    expect(none.body.rows).toHaveLength(0)
    const dated = await call(audit.loader, get('/admin/audit?from=2000-01-01&to=2000-01-02', auditor))
    expect(dated.body.rows).toHaveLength(0)
    expect((await call(audit.loader, get('/admin/audit', zhenxiong))).status).toBe(403)
  })

  it('an error during the check denies (403), never lets through', async () => {
    const broken = await createTestDb({ migrate: false }) // no tables: every query fails
    try {
      const attempt = requireStaff(get('/admin', zhenxiong), { permission: 'students.read', db: broken.db })
      await expect(attempt).rejects.toSatisfy((e: unknown) => e instanceof Response && e.status === 403)
    } finally {
      await broken.destroy()
    }
  })
})

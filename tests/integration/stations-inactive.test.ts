import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeNationalId } from '~/modules/beneficiaries/national-id'
import { registerBeneficiary } from '~/modules/beneficiaries/registry.server'
import { isRefusal } from '~/utils/refusal'
import * as newBatch from '~/routes/admin.batches.new'
import * as newStudent from '~/routes/admin.students.new'
import * as stationsPage from '~/routes/admin.stations'
import { setDb } from '~/utils/db.server'
import { call, cookieFor, get, post, seededDb, stationId } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { freeStudents, stationPath, userIdOf } from './scholarship.fixtures'

// A deactivated station keeps its history but is offered for nothing new: the student and
// batch forms leave it out, and the server refuses it on the station field, writing nothing.

describe.skipIf(skipReason)(`deactivated stations on ${testDialect}`, () => {
  let t: TestDb
  let admin: string
  let stationIdText: string
  beforeAll(async () => {
    t = await seededDb()
    setDb(t.db)
    admin = await cookieFor(t.db, 'admin@hope.demo')
    const added = await call(
      stationsPage.action,
      post(
        '/admin/stations',
        {
          intent: 'add',
          parentId: String(await stationId(t.db, '530627')),
          level: 'township',
          name: '停用镇',
          nameEn: 'Closed Town',
          code: '530627188',
        },
        admin,
      ),
    )
    expect(added.status).toBe(302)
    stationIdText = String(await stationId(t.db, '530627188'))
    // A student registered while it was active: the batch below names them.
    await freeStudents(t.db, '530627188', 1)
    const off = await call(
      stationsPage.action,
      post('/admin/stations', { intent: 'deactivate', stationId: stationIdText }, admin),
    )
    expect(off.status, JSON.stringify(off.body)).toBe(302)
  })
  afterAll(async () => t?.destroy())

  const count = async (table: 'beneficiaries' | 'award_batches') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('is not offered in the student or the batch form', async () => {
    const students = await call(newStudent.loader, get('/admin/students/new', admin))
    const batches = await call(newBatch.loader, get('/admin/batches/new', admin))
    for (const page of [students, batches]) {
      expect(page.status).toBe(200)
      const ids = page.body.stations.map((s: { id: number }) => String(s.id))
      expect(ids).toContain(String(await stationId(t.db, '530627')))
      expect(ids).not.toContain(stationIdText)
    }
  })

  it('refuses a student at it on the station field, writing nothing', async () => {
    const before = await count('beneficiaries')
    const actor = {
      id: await userIdOf(t.db, 'admin@hope.demo'),
      scope: [await stationPath(t.db, '530000')],
      ip: '203.0.113.9',
    }
    const refused = await registerBeneficiary(t.db, actor, {
      legalName: '测试停用',
      gender: 'female',
      birthDate: '2013-04-05',
      nationalId: makeNationalId('530627', '2013-04-05', 777),
      school: '测试学校',
      grade: '初中一年级',
      categories: ['dibao'],
      guardianName: '监护人',
      guardianPhone: '13900001111',
      stationId: Number(stationIdText),
      consent: {
        guardianName: '监护人',
        relationship: '母亲',
        consentedOn: '2026-09-01',
        publicStory: true,
        photo: false,
        firstNameToSponsor: false,
      },
    } as Parameters<typeof registerBeneficiary>[2]).catch((e: unknown) => e)
    expect(isRefusal(refused) && { key: refused.messageKey, field: refused.field }).toEqual({
      key: 'students.error.stationInactive',
      field: 'stationId',
    })
    expect(await count('beneficiaries')).toBe(before)
  })

  it('refuses a batch at it on the station field, writing nothing', async () => {
    const caseworker = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    const page = await call(newBatch.loader, get('/admin/batches/new', caseworker))
    const programme = page.body.programmes.find((p: { kind: string }) => p.kind === 'scholarship')
    const student = await t.db
      .selectFrom('beneficiaries')
      .select('public_code')
      .where('station_id', '=', Number(stationIdText))
      .executeTakeFirstOrThrow()
    const before = await count('award_batches')
    const refused = await call(
      newBatch.action,
      post(
        '/admin/batches/new',
        {
          programmeId: String(programme.id),
          term: programme.terms.at(-1),
          stationId: stationIdText,
          campaignId: String(programme.campaigns[0].id),
          students: `${student.public_code} 100`,
        },
        caseworker,
      ),
    )
    expect(refused.status).toBe(400)
    expect(refused.body.errors).toEqual({ stationId: 'batches.error.stationInactive' })
    expect(await count('award_batches')).toBe(before)
  })
})

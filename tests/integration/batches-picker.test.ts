import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getBalance } from '~/modules/ledger'
import * as newBatch from '~/routes/admin.batches.new'
import { BASE, call, cookieFor, get, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { freeStudents, fundedProgramme, stationIdOf } from './scholarship.fixtures'

// The batch form's picker: "Show students" (the same form by GET) lists the active students
// with a current consent at the batch's station and inside the preparer's scope, says why
// one cannot be picked, and shows the campaign fund's balance; ticked boxes become lines.

describe.skipIf(skipReason)(`batch student picker on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  it('lists students in scope with consent, shows the fund balance, and prepares the ticked ones', async () => {
    const p = await fundedProgramme(t.db, 250000)
    const [a, b, withdrawn] = await freeStudents(t.db, '530627101', 3)
    await t.db
      .updateTable('beneficiary_consents')
      .set({ withdrawn_at: new Date().toISOString() })
      .where('beneficiary_id', '=', withdrawn!.id)
      .execute()
    const [elsewhere] = await freeStudents(t.db, '530326101', 1)
    const caseworker = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    const fragment = a!.code.slice(3, 12) // HP-530627-T000… : the county and the test prefix
    const search = (stationCode: string, q: string) =>
      stationIdOf(t.db, stationCode).then((stationId) =>
        new URLSearchParams({
          programmeId: String(p.programmeId),
          term: '2027-spring',
          stationId: String(stationId),
          campaignId: String(p.campaignId),
          q,
        }).toString(),
      )

    const page = await call(newBatch.loader, get(`/admin/batches/new?${await search('530627', fragment)}`, caseworker))
    expect(page.status).toBe(200)
    const codes = page.body.picker.students.map((s: { publicCode: string }) => s.publicCode)
    expect(codes).toEqual(expect.arrayContaining([a!.code, b!.code]))
    expect(codes).not.toContain(withdrawn!.code)
    const row = page.body.picker.students.find((s: { publicCode: string }) => s.publicCode === a!.code)
    expect(row).toMatchObject({ grade: '初中一年级', reason: null, county: { code: '530627' } })
    expect(Object.keys(row).sort()).toEqual(['balance', 'county', 'grade', 'id', 'publicCode', 'reason'])
    expect(page.body.picker.fund).toMatchObject({ balance: 250000, currency: 'CNY', title: '测试募捐' })
    expect(page.body.balances[p.campaignId]).toBe(250000)

    // Another county's station is outside the caseworker's scope: nobody is listed.
    const outside = await call(
      newBatch.loader,
      get(`/admin/batches/new?${await search('530326', elsewhere!.code)}`, caseworker),
    )
    expect(outside.body.picker.students).toEqual([])
    // A malformed search is ignored, not a 500.
    const bad = await call(newBatch.loader, get('/admin/batches/new?programmeId=x&stationId=%ff&pick=<b>', caseworker))
    expect(bad.status).toBe(200)
    expect(bad.body.picker).toBeNull()

    // Ticked boxes (and a typed line) become the batch's lines at the programme's award.
    const body = new URLSearchParams({
      programmeId: String(p.programmeId),
      term: '2027-spring',
      stationId: String(await stationIdOf(t.db, '530627')),
      campaignId: String(p.campaignId),
      students: '',
    })
    body.append('pick', a!.code)
    body.append('pick', b!.code)
    const made = await call(
      newBatch.action,
      new Request(`${BASE}/admin/batches/new`, {
        method: 'POST',
        headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded', Cookie: caseworker },
        body: body.toString(),
      }),
    )
    expect(made.status).toBe(302)
    const id = Number(made.location!.split('/').pop())
    const lines = await t.db
      .selectFrom('award_lines')
      .select(['beneficiary_id', 'amount'])
      .where('batch_id', '=', id)
      .orderBy('beneficiary_id')
      .execute()
    expect(lines.map((l) => [Number(l.beneficiary_id), Number(l.amount)])).toEqual([
      [a!.id, 100000],
      [b!.id, 100000],
    ])
    // Now in an open batch for the term: listed, but not pickable, and the fund is unchanged until approval.
    const again = await call(newBatch.loader, get(`/admin/batches/new?${await search('530627', fragment)}`, caseworker))
    const reasons = Object.fromEntries(
      again.body.picker.students.map((s: { publicCode: string; reason: string }) => [s.publicCode, s.reason]),
    )
    expect(reasons[a!.code]).toBe('capped')
    expect(await getBalance(t.db, p.fund, 'CNY')).toBe(250000)
  })
})

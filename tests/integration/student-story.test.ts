import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withdrawConsent } from '~/modules/beneficiaries/consent.server'
import { checkStory } from '~/modules/beneficiaries/story.server'
import * as storyPage from '~/routes/admin.students.$id_.story'
import * as sponsorPage from '~/routes/sponsor._index'
import * as studentPage from '~/routes/students.$code'
import { call, cookieFor, get, post, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// A student's staff-written public story: refused when it names the child, their school,
// guardian or ID, or carries contact details; shown on /sponsor and the student's page
// only while the public-story consent holds; gone from both the moment it is withdrawn.

const STORY = '喜欢画画和踢毽子，长大想当一名乡村老师，谢谢愿意帮助我的叔叔阿姨。'

describe.skipIf(skipReason)(`student public story on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  it('refuses a name, given name, guardian, national id, school or contact detail', () => {
    const child = {
      legal_name: '林小红',
      national_id: '53062720120301123X',
      school: '镇雄县第一中学',
      guardian_name: '林大山',
      guardian_phone: '13900001111',
    }
    expect(checkStory(`  ${STORY}  `, child)).toBe(STORY)
    const refused = (text: string) => {
      try {
        checkStory(text, child)
        return 'accepted'
      } catch (e) {
        return (e as { messageKey: string }).messageKey
      }
    }
    expect(refused('太短')).toBe('story.error.length')
    expect(refused('x'.repeat(301))).toBe('story.error.length')
    expect(refused(`我叫林小红，${STORY}`)).toBe('story.error.name')
    expect(refused(`小红${STORY}`)).toBe('story.error.name')
    expect(refused(`妈妈林大山说：${STORY}`)).toBe('story.error.name')
    expect(refused(`${STORY} 53062720120301123x`)).toBe('story.error.id')
    expect(refused(`${STORY} 5306 2720 1203 0112 3X`)).toBe('story.error.id')
    expect(refused(`在镇雄县第一中学读书，${STORY}`)).toBe('story.error.school')
    expect(refused(`在某某小学读书，${STORY}`)).toBe('story.error.school')
    expect(refused(`${STORY}微信 hope_2026`)).toBe('story.error.contact')
    expect(refused(`${STORY}电话 139 0000 1111`)).toBe('story.error.contact')
  })

  it('staff write it through the page; /sponsor and the student page show it until consent is withdrawn', async () => {
    const sponsor = async () =>
      (await call(sponsorPage.loader as any, get('/sponsor'))).body.students as { publicCode: string; story: string }[]
    const listed = (await sponsor())[0]!
    const student = await t.db
      .selectFrom('beneficiaries')
      .select(['id', 'legal_name', 'public_code'])
      .where('public_code', '=', listed.publicCode)
      .executeTakeFirstOrThrow()
    const id = String(student.id)
    const admin = await cookieFor(t.db, 'admin@hope.demo')
    const write = (story: string) =>
      call(storyPage.action, post(`/admin/students/${id}/story`, { story }, admin), { id, id_: id })

    const named = await write(`我是${student.legal_name}，${STORY}`)
    expect(named.status).toBe(400)
    expect(named.body.errors).toEqual({ story: 'story.error.name' })
    expect(await t.db.selectFrom('student_stories').selectAll().execute()).toEqual([])

    const saved = await write(STORY)
    expect(saved.status).toBe(302)
    expect(saved.location).toBe(`/admin/students/${id}/story?done=saved`)
    const view = await call(storyPage.loader, get(`/admin/students/${id}/story`, admin), { id, id_: id })
    expect(view.body).toMatchObject({ story: STORY, shown: true, canWrite: true })
    expect((await sponsor()).find((s) => s.publicCode === student.public_code)?.story).toBe(STORY)
    const page = await call(studentPage.loader as any, get(`/students/${student.public_code}`), {
      code: student.public_code,
    })
    expect(page.body.story).toBe(STORY)
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', id)
      .where('action', 'like', 'student.story%')
      .execute()
    expect(audit.map((a) => a.action)).toEqual(['student.story_saved'])

    // Out of scope: another county's caseworker does not find the student.
    const other = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    if (!student.public_code.startsWith('HP-530627-')) {
      const refused = await call(storyPage.action, post(`/admin/students/${id}/story`, { story: STORY }, other), {
        id,
        id_: id,
      })
      expect(refused.status).toBe(404)
    }

    const station = await t.db
      .selectFrom('beneficiaries')
      .select('station_id')
      .where('id', '=', student.id)
      .executeTakeFirstOrThrow()
    await withdrawConsent(
      t.db,
      { id: 1, ip: '127.0.0.1' },
      { beneficiaryId: student.id, stationId: station.station_id },
    )
    expect((await sponsor()).some((s) => s.story === STORY)).toBe(false)
    const gone = await call(studentPage.loader as any, get(`/students/${student.public_code}`), {
      code: student.public_code,
    })
    expect(gone.status).toBe(404)
    // Staff still see it, marked as not shown.
    const after = await call(storyPage.loader, get(`/admin/students/${id}/story`, admin), { id, id_: id })
    expect(after.body).toMatchObject({ story: STORY, shown: false })
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inTransaction, postAward, postDonation } from '~/modules/ledger'
import { queueGiftReachedStudent } from '~/modules/receipts/trace-mail.server'
import { renderOutboxRow } from '~/modules/mail/render.server'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { insertDonation } from './receipts.fixtures'

describe.skipIf(skipReason)(`"gift reached a student" mail on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
  })
  afterAll(async () => t?.destroy())

  it('queues the trace shares with pseudonym, county, grade and programme only, once per event', async () => {
    const at = '2026-11-01T00:00:00.000Z'
    const county = await t.db
      .insertInto('stations')
      .values({
        parent_id: null,
        level: 'county',
        code: '530627',
        name: '镇雄县',
        name_en: 'Zhenxiong County',
        path: '/x/',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .updateTable('stations')
      .set({ path: `/${county.id}/` })
      .where('id', '=', county.id)
      .execute()
    const town = await t.db
      .insertInto('stations')
      .values({
        parent_id: county.id,
        level: 'township',
        code: '530627101',
        name: '以勒镇',
        name_en: 'Yile',
        path: '/y/',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.db
      .updateTable('stations')
      .set({ path: `/${county.id}/${town.id}/` })
      .where('id', '=', town.id)
      .execute()
    await t.db
      .insertInto('programmes')
      .values({
        slug: 'hope-star',
        kind: 'scholarship',
        name: '希望之星 1+1 奖学金',
        name_en: 'Hope Star 1+1 Scholarship',
        award_amount: 100000,
        currency: 'CNY',
        created_at: at,
      })
      .execute()
    const student = await t.db
      .insertInto('beneficiaries')
      .values({
        public_code: 'HP-530627-0042',
        station_id: town.id,
        legal_name: '秘密姓名',
        gender: 'female',
        birth_date: '2012-05-01',
        national_id: '530627201205010021',
        school: '秘密小学',
        grade: '初二',
        guardian_name: '秘密监护人',
        guardian_phone: '13800000000',
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()

    const d = await insertDonation(t.db, { amount: 150000, email: 'tracer@example.org' })
    const publicId = (
      await t.db.selectFrom('donations').select('public_id').where('id', '=', d.id).executeTakeFirstOrThrow()
    ).public_id
    expect(
      await t.db.transaction().execute((trx) => queueGiftReachedStudent(trx, { donationId: d.id, dedupeKey: 'none' })),
    ).toBe(false)

    await inTransaction(t.db, (trx) =>
      postDonation(trx, {
        idempotencyKey: `donation:${publicId}`,
        donationRef: publicId,
        fund: 'fund:general',
        amount: 150000,
        fee: 0,
        currency: 'CNY',
        paidAt: at,
        displayName: '李**',
      }),
    )
    await inTransaction(t.db, (trx) =>
      postAward(trx, {
        idempotencyKey: 'award-1',
        fund: 'fund:general',
        beneficiaryId: student.id,
        beneficiaryCode: 'HP-530627-0042',
        amount: 100000,
        currency: 'CNY',
        occurredAt: at,
        refs: { programme: 'hope-star' },
      }),
    )
    const queue = () =>
      t.db.transaction().execute((trx) => queueGiftReachedStudent(trx, { donationId: d.id, dedupeKey: 'award:1' }))
    expect(await queue()).toBe(true)
    expect(await queue()).toBe(true)
    const rows = await t.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('template', '=', 'gift-reached-student')
      .execute()
    expect(rows).toHaveLength(1)
    const props = JSON.parse(rows[0]!.props)
    expect(props.shares).toEqual([
      {
        pseudonym: 'HP-530627-0042',
        county: '镇雄县',
        grade: '初二',
        programme: '希望之星 1+1 奖学金',
        amount: 100000,
        currency: 'CNY',
        status: 'awarded',
      },
    ])
    expect(props.heldAmount).toBe(50000)
    const mail = await renderOutboxRow(rows[0]!)
    expect(mail.text).toContain('HP-530627-0042')
    expect(mail.html + mail.text).not.toMatch(/秘密|530627201205010021|13800000000/)
  })
})

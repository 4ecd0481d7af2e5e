import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  isPubliclyVisible,
  publiclyVisibleCodes,
  recordConsent,
  withdrawConsent,
} from '~/modules/beneficiaries/consent.server'
import { registerBeneficiary } from '~/modules/beneficiaries/registry.server'
import { Refusal } from '~/utils/refusal'
import { RegisterInput } from '~/modules/beneficiaries/schema'
import { makeNationalId } from '~/modules/beneficiaries/national-id'
import { listSponsorable } from '~/modules/sponsorships/start.server'
import { createWish, listPublicWishes } from '~/modules/wishes/wishes.server'
import { seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { stationIdOf, stationPath, userIdOf } from './scholarship.fixtures'

// Guardian consent: under 14 nobody is registered without it; a withdrawal takes the
// child off every public surface on the very next query.

describe.skipIf(skipReason)(`guardian consent on ${testDialect}`, () => {
  let t: TestDb
  let actor: { id: number; scope: string[]; ip: string }
  let station: number
  const now = new Date('2026-11-23T08:00:00Z')
  beforeAll(async () => {
    t = await seededDb()
    actor = {
      id: await userIdOf(t.db, 'caseworker.zhenxiong@hope.demo'),
      scope: [await stationPath(t.db, '530627')],
      ip: '203.0.113.20',
    }
    station = await stationIdOf(t.db, '530627101')
  })
  afterAll(async () => t?.destroy())

  const form = (birthDate: string, seq: number, consent: boolean) =>
    RegisterInput.parse({
      legalName: '测试假名',
      gender: 'female',
      birthDate,
      nationalId: makeNationalId('530627', birthDate, seq),
      school: '演示学校',
      grade: '小学五年级',
      categories: ['dibao'],
      guardianName: '测试监护人',
      guardianPhone: '19900001234',
      stationId: station,
      consent: consent
        ? {
            guardianName: '测试监护人',
            relationship: '母亲',
            consentedOn: '2026-11-20',
            publicStory: 'on',
            photo: '',
            firstNameToSponsor: 'on',
          }
        : null,
    })

  it('a child under 14 without a consent record is refused, and nothing is written', async () => {
    const before = Number(
      (
        await t.db
          .selectFrom('beneficiaries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
    const error = await registerBeneficiary(t.db, actor, form('2015-06-01', 801, false), now).catch((e) => e)
    expect(error).toBeInstanceOf(Refusal)
    expect(error.messageKey).toBe('students.error.consentRequired')
    const after = Number(
      (
        await t.db
          .selectFrom('beneficiaries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
    expect(after).toBe(before)
    // The day before the 14th birthday still needs consent; from the birthday on it does not.
    expect(
      (await registerBeneficiary(t.db, actor, form('2012-11-24', 802, false), now).catch((e) => e)).messageKey,
    ).toBe('students.error.consentRequired')
    const fourteen = await registerBeneficiary(t.db, actor, form('2012-11-23', 803, false), now)
    expect(fourteen.publicCode).toMatch(/^HP-530627-\d{4}$/)
  })

  it('with consent the child is registered with status new, a history row, and an audit entry', async () => {
    const r = await registerBeneficiary(t.db, actor, form('2016-02-10', 804, true), now)
    const history = await t.db
      .selectFrom('beneficiary_status_history')
      .selectAll()
      .where('beneficiary_id', '=', r.id)
      .execute()
    expect(history.map((h) => h.to_status)).toEqual(['new'])
    const consent = await t.db
      .selectFrom('beneficiary_consents')
      .selectAll()
      .where('beneficiary_id', '=', r.id)
      .executeTakeFirstOrThrow()
    expect(consent).toMatchObject({ public_story: 1, photo: 0, first_name_to_sponsor: 1, withdrawn_at: null })
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', String(r.id))
      .where('entity_type', '=', 'beneficiary')
      .execute()
    expect(audit.map((a) => a.action)).toContain('student.registered')
  })

  it('withdrawal removes the child from every public surface at once', async () => {
    // A seeded, consented, active child in 镇雄 with an open wish.
    const child = await t.db
      .selectFrom('beneficiaries')
      .innerJoin('beneficiary_consents as c', 'c.beneficiary_id', 'beneficiaries.id')
      .select(['beneficiaries.id', 'beneficiaries.public_code', 'beneficiaries.station_id'])
      .where('beneficiaries.public_code', 'like', 'HP-530627-%')
      .where('c.public_story', '=', 1)
      .where('c.withdrawn_at', 'is', null)
      .where('beneficiaries.status', '=', 'active')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('sponsorships')
              .select('sponsorships.id')
              .whereRef('sponsorships.beneficiary_id', '=', 'beneficiaries.id'),
          ),
        ),
      )
      .orderBy('beneficiaries.id', 'desc')
      .executeTakeFirstOrThrow()
    const id = Number(child.id)
    const wishId = await createWish(
      t.db,
      actor,
      { beneficiaryId: id, item: '一个书包', story: '想要一个新书包。', price: 9900 },
      now,
    )
    const hope = Number(
      (
        await t.db
          .selectFrom('programmes')
          .select('id')
          .where('slug', '=', 'hope-star-1-plus-1')
          .executeTakeFirstOrThrow()
      ).id,
    )
    expect(await isPubliclyVisible(t.db, { id })).toBe(true)
    expect(await isPubliclyVisible(t.db, { publicCode: child.public_code })).toBe(true)
    expect((await publiclyVisibleCodes(t.db, [child.public_code])).has(child.public_code)).toBe(true)
    expect((await listPublicWishes(t.db)).map((w) => w.id)).toContain(wishId)

    expect(await withdrawConsent(t.db, actor, { beneficiaryId: id, stationId: Number(child.station_id) })).toBe(true)
    // The very next query: gone from the student page check, the wish list, the sponsor list.
    expect(await isPubliclyVisible(t.db, { id })).toBe(false)
    expect(await isPubliclyVisible(t.db, { publicCode: child.public_code })).toBe(false)
    expect((await publiclyVisibleCodes(t.db, [child.public_code])).size).toBe(0)
    expect((await listPublicWishes(t.db, { includeDone: true })).map((w) => w.id)).not.toContain(wishId)
    expect((await listSponsorable(t.db, { programmeId: hope, limit: 1000 })).map((s) => s.id)).not.toContain(id)
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', String(id))
      .where('action', '=', 'student.consent_withdrawn')
      .execute()
    expect(audit).toHaveLength(1)

    // A new consent brings the child back.
    await recordConsent(t.db, actor, {
      beneficiaryId: id,
      stationId: Number(child.station_id),
      consent: {
        guardianName: '监护人',
        relationship: '父亲',
        consentedOn: '2026-11-23',
        publicStory: true,
        photo: false,
        firstNameToSponsor: false,
      },
    })
    expect(await isPubliclyVisible(t.db, { id })).toBe(true)
  })

  it('a consent without a public story keeps the child off public pages', async () => {
    const row = await t.db
      .selectFrom('beneficiary_consents')
      .select('beneficiary_id')
      .where('public_story', '=', 0)
      .where('withdrawn_at', 'is', null)
      .executeTakeFirstOrThrow()
    expect(await isPubliclyVisible(t.db, { id: Number(row.beneficiary_id) })).toBe(false)
  })

  it('every seeded child under 14 has a consent record', async () => {
    const missing = await t.db
      .selectFrom('beneficiaries')
      .select(['id', 'birth_date'])
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('beneficiary_consents')
              .select('beneficiary_consents.id')
              .whereRef('beneficiary_consents.beneficiary_id', '=', 'beneficiaries.id'),
          ),
        ),
      )
      .execute()
    expect(missing.filter((m) => m.birth_date > '2012-11-23')).toEqual([])
  })
})

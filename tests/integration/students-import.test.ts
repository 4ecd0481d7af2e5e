import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importBeneficiaries, parseCsv } from '~/modules/beneficiaries/import.server'
import { makeNationalId } from '~/modules/beneficiaries/national-id'
import { changeStatus } from '~/modules/beneficiaries/registry.server'
import { Refusal } from '~/utils/refusal'
import { seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { stationPath, userIdOf } from './scholarship.fixtures'

// CSV import: a dry run writes nothing; importing the same file twice creates each
// student once; duplicates across stations say only "registered elsewhere".

const HEADER =
  'legal_name,gender,birth_date,national_id,school,grade,categories,guardian_name,guardian_phone,station_code,consent_guardian,consent_relationship,consent_on,consent_public_story,consent_photo,consent_first_name'
const row = (name: string, birth: string, seq: number, consent = true, station = '530627101') =>
  [
    name,
    'male',
    birth,
    makeNationalId('530627', birth, seq),
    '演示学校',
    '小学四年级',
    'dibao;left_behind',
    '监护人',
    '19900002222',
    station,
    consent ? '监护人' : '',
    consent ? '祖母' : '',
    consent ? '2026-10-01' : '',
    'yes',
    '',
    'yes',
  ].join(',')

describe.skipIf(skipReason)(`student import on ${testDialect}`, () => {
  let t: TestDb
  let zx: { id: number; scope: string[]; ip: string }
  let hz: { id: number; scope: string[]; ip: string }
  const count = async (table: 'beneficiaries' | 'audit_log' | 'beneficiary_consents') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  beforeAll(async () => {
    t = await seededDb()
    zx = {
      id: await userIdOf(t.db, 'caseworker.zhenxiong@hope.demo'),
      scope: [await stationPath(t.db, '530627')],
      ip: '203.0.113.30',
    }
    hz = {
      id: await userIdOf(t.db, 'caseworker.huize@hope.demo'),
      scope: [await stationPath(t.db, '530326')],
      ip: '203.0.113.31',
    }
  })
  afterAll(async () => t?.destroy())

  const csv = [
    HEADER,
    row('导入甲', '2015-01-02', 901),
    row('"导入,乙"', '2016-03-04', 902),
    row('导入丙', '2010-05-06', 903, false), // 16: no consent needed
    row('导入丁', '2016-07-08', 904, false), // under 14 without consent: row error
    row('导入戊', '2015-09-10', 905).replace(/,11$/, ',1X'), // fine
    [
      '导入己',
      'male',
      '2015-01-02',
      '530627201501020000',
      '学校',
      '四年级',
      'dibao',
      '监护人',
      '19900002222',
      '530627101',
      '监护人',
      '母亲',
      '2026-10-01',
      '',
      '',
      '',
    ].join(','), // bad checksum
  ].join('\r\n')

  it('parses quoted CSV', () => {
    expect(parseCsv('a,b\n"x,""y""",z\n')).toEqual([
      ['a', 'b'],
      ['x,"y"', 'z'],
    ])
  })

  it('a dry run reports row-level errors and writes nothing', async () => {
    const before = {
      b: await count('beneficiaries'),
      a: await count('audit_log'),
      c: await count('beneficiary_consents'),
    }
    const r = await importBeneficiaries(t.db, zx, { csv, dryRun: true })
    expect(r).toMatchObject({ dryRun: true, total: 6, valid: 4, created: 0 })
    expect(r.errors.map((e) => [e.row, e.messageKey])).toEqual([
      [5, 'students.error.consentRequired'],
      [7, 'students.error.nationalId'],
    ])
    expect({
      b: await count('beneficiaries'),
      a: await count('audit_log'),
      c: await count('beneficiary_consents'),
    }).toEqual(before)
  })

  it('a real import of the same file twice creates each student once', async () => {
    const before = await count('beneficiaries')
    const first = await importBeneficiaries(t.db, zx, { csv, dryRun: false })
    expect(first.created).toBe(4)
    expect(first.codes.every((c) => /^HP-530627-\d{4}$/.test(c))).toBe(true)
    expect(await count('beneficiaries')).toBe(before + 4)
    const second = await importBeneficiaries(t.db, zx, { csv, dryRun: false })
    expect(second.created).toBe(0)
    expect(second.skipped).toBe(4)
    expect(second.errors.filter((e) => e.messageKey === 'students.error.duplicateHere')).toHaveLength(4)
    expect(await count('beneficiaries')).toBe(before + 4)
  })

  it('a duplicate registered at another station is reported only as "registered elsewhere"', async () => {
    const other = [HEADER, row('导入甲', '2015-01-02', 901, true, '530326101')].join('\n')
    const r = await importBeneficiaries(t.db, hz, { csv: other, dryRun: false })
    expect(r.created).toBe(0)
    expect(r.errors).toEqual([
      { row: 2, field: 'nationalId', messageKey: 'students.error.duplicateElsewhere', params: {} },
    ])
    expect(JSON.stringify(r)).not.toMatch(/HP-530627/)
  })

  it('rows for a station outside the caller\u2019s area are refused', async () => {
    const r = await importBeneficiaries(t.db, hz, {
      csv: [HEADER, row('导入庚', '2015-02-02', 906)].join('\n'),
      dryRun: true,
    })
    expect(r.errors[0]).toMatchObject({ row: 2, messageKey: 'students.error.station' })
  })

  it('status changes keep a history; exit needs a reason', async () => {
    const s = await t.db
      .selectFrom('beneficiaries')
      .select('id')
      .where('legal_name', '=', '导入甲')
      .executeTakeFirstOrThrow()
    expect(await changeStatus(t.db, zx, { beneficiaryId: Number(s.id), to: 'active', reason: '' })).toBe('changed')
    await expect(
      changeStatus(t.db, zx, { beneficiaryId: Number(s.id), to: 'exited', reason: ' ' }),
    ).rejects.toBeInstanceOf(Refusal)
    expect(await changeStatus(t.db, zx, { beneficiaryId: Number(s.id), to: 'exited', reason: '随父母迁居外省' })).toBe(
      'changed',
    )
    expect(await changeStatus(t.db, hz, { beneficiaryId: Number(s.id), to: 'active', reason: '' })).toBe('notFound')
    const history = await t.db
      .selectFrom('beneficiary_status_history')
      .select(['from_status', 'to_status', 'reason'])
      .where('beneficiary_id', '=', s.id)
      .orderBy('id')
      .execute()
    expect(history.map((h) => h.to_status)).toEqual(['new', 'active', 'exited'])
    expect(history[2]!.reason).toBe('随父母迁居外省')
  })
})

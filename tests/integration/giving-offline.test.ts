import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getBalance, verifyLedger } from '~/modules/ledger'
import { importStatement } from '~/modules/donations/import.server'
import { recordOfflineGift } from '~/modules/donations/offline.server'
import { offlineGiftSchema } from '~/modules/donations/offline-schema'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

const CURRENCIES = ['CNY', 'HKD']

describe.skipIf(skipReason)(`offline and imported gifts on ${testDialect}`, () => {
  let t: TestDb
  let staffId: number
  beforeAll(async () => {
    t = await createTestDb()
    await seedDemo(t.db)
    staffId = (
      await t.db.selectFrom('users').select('id').where('email', '=', 'finance@hope.demo').executeTakeFirstOrThrow()
    ).id
  })
  afterAll(async () => t?.destroy())

  const donations = async () =>
    Number(
      (
        await t.db
          .selectFrom('donations')
          .select(sql<number>`count(*)`.as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('records a bank transfer once, however often it is entered', async () => {
    const input = offlineGiftSchema(CURRENCIES).parse({
      method: 'bank_transfer',
      reference: 'ICBC-20261120-0001',
      receivedOn: '2026-11-20',
      amount: '5,000.00',
      currency: 'CNY',
      campaignSlug: 'sunshine-autumn-2026',
      donorName: '线下捐赠人',
      donorEmail: 'offline@example.test',
      displayMode: 'family',
    })
    const first = await recordOfflineGift(t.db, {
      ...input,
      provider: 'offline',
      sourceRef: `offline:bank_transfer:${input.reference}`,
      recordedBy: staffId,
    })
    const again = await recordOfflineGift(t.db, {
      ...input,
      provider: 'offline',
      sourceRef: `offline:bank_transfer:${input.reference}`,
      recordedBy: staffId,
    })
    expect(first.created).toBe(true)
    expect(again).toEqual({ publicId: first.publicId, created: false, conflicts: [] })
    const row = await t.db
      .selectFrom('donations')
      .selectAll()
      .where('public_id', '=', first.publicId)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({
      status: 'paid',
      amount: 500000,
      fee_amount: 0,
      provider: 'offline',
      display_name: '线**',
    })
    const campaign = await t.db
      .selectFrom('campaigns')
      .select('id')
      .where('slug', '=', 'sunshine-autumn-2026')
      .executeTakeFirstOrThrow()
    expect(await getBalance(t.db, `fund:campaign:${campaign.id}`, 'CNY')).toBeGreaterThanOrEqual(500000)
  })

  it('reports row errors on a dry run and writes nothing', async () => {
    const csv = [
      'date,reference,amount,currency,donor_name,donor_email,display,campaign',
      '2026-11-01,P-1,100.00,CNY,张三,a@example.test,family,hope-star-2026',
      '2026-11-02,P-2,abc,CNY,李四,b@example.test,full,',
      '2026-13-40,P-3,10,XYZ,,not-email,anonymous,no-such-campaign',
      '2026-11-03,P-1,100.00,CNY,张三,a@example.test,family,hope-star-2026',
    ].join('\n')
    const before = await donations()
    const report = await importStatement(t.db, {
      csv,
      source: 'platform-a',
      dryRun: true,
      recordedBy: staffId,
      currencies: CURRENCIES,
    })
    expect(report.rows.map((r) => r.status)).toEqual(['new', 'error', 'error', 'error'])
    expect(report.rows[1]!.errors).toEqual({ amount: 'offline.error.amount' })
    // Named as the template's header names the columns, not by the form's field names.
    expect(report.rows[2]!.errors).toEqual({
      campaign: 'offline.error.campaign',
      currency: 'offline.error.currency',
      date: 'offline.error.date',
      donor_email: 'offline.error.donorEmail',
    })
    expect(report.rows[3]!.errors).toEqual({ reference: 'offline.error.duplicateInFile' })
    const real = await importStatement(t.db, {
      csv,
      source: 'platform-a',
      dryRun: false,
      recordedBy: staffId,
      currencies: CURRENCIES,
    })
    expect(real.created).toBe(0)
    expect(await donations()).toBe(before)
  })

  it('imports a clean file once, however often it is imported', async () => {
    const csv =
      '\uFEFFdate,reference,amount,currency,donor_name,donor_email,display,campaign\r\n2026-11-05,Q-1,"1,000.00",CNY,"王, 小明",q1@example.test,full,hope-star-2026\r\n2026-11-06,Q-2,88,CNY,,q2@example.test,,\r\n'
    const before = await donations()
    const dry = await importStatement(t.db, {
      csv,
      source: 'platform-b',
      dryRun: true,
      recordedBy: staffId,
      currencies: CURRENCIES,
    })
    expect(dry.rows.map((r) => r.status)).toEqual(['new', 'new'])
    expect(await donations()).toBe(before)
    const first = await importStatement(t.db, {
      csv,
      source: 'platform-b',
      dryRun: false,
      recordedBy: staffId,
      currencies: CURRENCIES,
    })
    expect(first.created).toBe(2)
    const second = await importStatement(t.db, {
      csv,
      source: 'platform-b',
      dryRun: false,
      recordedBy: staffId,
      currencies: CURRENCIES,
    })
    expect(second).toMatchObject({ created: 0, duplicates: 2 })
    expect(await donations()).toBe(before + 2)
    const names = await t.db
      .selectFrom('donations')
      .select(['display_name', 'amount'])
      .where('source_ref', 'like', 'import:platform-b:%')
      .orderBy('id')
      .execute()
    expect(names).toEqual([
      { display_name: '王, 小明', amount: 100000 },
      { display_name: '爱心人士', amount: 8800 },
    ])
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })
})

import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { approveBatch, getBatch, prepareBatch, recordPayout } from '~/modules/disbursements/batches.server'
import { offlineGiftSchema } from '~/modules/donations/offline-schema'
import { addDays } from '~/utils/calendar-day'
import { chinaDate, chinaDayStart, formatDateTime } from '~/utils/i18n'
import { seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { freeStudents, fundedProgramme, stationIdOf, stationPath, userIdOf } from './scholarship.fixtures'
import { minimalPdf } from '../support/proof-files'

// Every date a person enters or reads is China time. At 01:00 on 2 December in China it is
// still 1 December in UTC: "today" must be the 2nd, or a payout made this morning cannot be
// recorded (its date input's max was the UTC date) and is booked the day before its award.

const ONE_AM_IN_CHINA = new Date('2026-12-01T17:00:00.000Z') // 2026-12-02 01:00 Asia/Shanghai
const PDF = minimalPdf('test payout slip')

describe('China time helpers', () => {
  afterEach(() => vi.useRealTimers())

  it("today is China's date at 01:00 China time, and moments read in China time", () => {
    expect(chinaDate(ONE_AM_IN_CHINA)).toBe('2026-12-02')
    expect(chinaDate('2026-12-01T15:59:59.999Z')).toBe('2026-12-01')
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(ONE_AM_IN_CHINA)
    expect(chinaDate()).toBe('2026-12-02')
    expect(formatDateTime(ONE_AM_IN_CHINA, 'zh-CN')).toMatch(/^2026\/12\/2 01:00:00$/)
    expect(formatDateTime(ONE_AM_IN_CHINA, 'en')).toMatch(/^12\/2\/26, 1:00:00\s?AM$/)
  })

  it("the offline gift's received date takes today in China at 01:00, and refuses tomorrow", () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(ONE_AM_IN_CHINA)
    const gift = (receivedOn: string) =>
      offlineGiftSchema(['CNY']).safeParse({
        method: 'bank_transfer',
        reference: 'BANK-0102',
        receivedOn,
        amount: '100',
        currency: 'CNY',
        donorName: '王女士',
        donorEmail: 'wang@example.cn',
        displayMode: 'full',
      })
    expect(gift('2026-12-02').success).toBe(true)
    const tomorrow = gift('2026-12-03')
    expect(tomorrow.success).toBe(false)
    expect(tomorrow.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['receivedOn', 'offline.error.date'],
    ])
  })

  it('no code under app/ takes a date a person sees from the UTC clock', () => {
    const offenders: string[] = []
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name)
        if (e.isDirectory()) walk(full)
        else if (/\.tsx?$/.test(e.name)) {
          const text = fs.readFileSync(full, 'utf8')
          // Today from the UTC clock, or a stored timestamp cut to its date or minute, instead of chinaDate/formatDate/formatDateTime.
          if (
            /(new Date\(\)|now)\.toISOString\(\)\.slice\(0, ?(10|16)\)|_at\.slice\(0, ?(10|16)\)|At\.slice\(0, ?(10|16)\)/.test(
              text,
            )
          )
            offenders.push(full)
          // One formatter for moments: the time zone is named once, in app/utils/i18n.ts.
          if (/timeZone: '/.test(text) && !full.endsWith(path.join('utils', 'i18n.ts')))
            offenders.push(`${full} (timeZone)`)
        }
      }
    }
    walk(path.resolve('app'))
    expect(offenders).toEqual([])
  })
})

describe.skipIf(skipReason)(`a payout recorded at 01:00 China time on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  it("takes today's China date, is booked on it, and refuses tomorrow", async () => {
    const zx = await stationPath(t.db, '530627')
    const root = await stationPath(t.db, '530000')
    const caseworker = { id: await userIdOf(t.db, 'caseworker.zhenxiong@hope.demo'), scope: [zx], ip: '203.0.113.9' }
    const finance = {
      id: await userIdOf(t.db, 'finance@hope.demo'),
      scope: [root],
      ip: '203.0.113.10',
      totpVerified: true,
    }
    const p = await fundedProgramme(t.db, 200000)
    const [a] = await freeStudents(t.db, '530627101', 1)
    const id = await prepareBatch(t.db, caseworker, {
      programmeId: p.programmeId,
      term: '2027-spring',
      stationId: await stationIdOf(t.db, '530627'),
      campaignId: p.campaignId,
      lines: [{ beneficiaryId: a!.id, amount: 100000 }],
    })
    await approveBatch(t.db, finance, { batchId: id })
    // The payout is recorded at 01:00 China time on the day after the (real-clock) approval,
    // so the award never follows it whatever hour the suite runs at; UTC is then still the day before.
    const today = addDays(chinaDate(), 1)
    const tomorrow = addDays(today, 1)
    const oneAm = new Date(Date.parse(chinaDayStart(today)) + 3_600_000)
    expect(oneAm.toISOString().slice(0, 10)).not.toBe(today)
    await expect(
      recordPayout(t.db, finance, { batchId: id, reference: 'CT-1', date: tomorrow, proof: PDF }, oneAm),
    ).rejects.toThrow(/batches\.error\.payoutDate/)
    expect(await recordPayout(t.db, finance, { batchId: id, reference: 'CT-1', date: today, proof: PDF }, oneAm)).toBe(
      'paid',
    )
    expect(await getBatch(t.db, finance.scope, id)).toMatchObject({ status: 'paid', payout_date: today })
    const payout = await t.db
      .selectFrom('ledger_transactions')
      .select('occurred_at')
      .where('kind', '=', 'payout')
      .orderBy('sequence', 'desc')
      .executeTakeFirstOrThrow()
    expect(chinaDate(String(payout.occurred_at))).toBe(today)
  })
})

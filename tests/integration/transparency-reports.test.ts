import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fundOfCampaign, getBalance, getHead } from '~/modules/ledger'
import {
  addMonths,
  publishReport,
  reportFigures,
  reportSchedule,
  scheduleOf,
} from '~/modules/transparency/reports.server'
import { parseCsv } from '~/utils/csv'
import { translator } from '~/utils/i18n'
import * as adminReports from '~/routes/admin.reports'
import * as reportPage from '~/routes/reports.$campaign.$number'
import * as reportCsv from '~/routes/reports.$campaign.$number_.csv'
import * as reportPdf from '~/routes/reports.$campaign.$number_.pdf'
import * as openDataFile from '~/routes/open-data.$file'
import { call, cookieFor, get, post, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { moreActivity } from './transparency.fixtures'

// Disclosure reports: the schedule (every three months while running, a final one
// within three months of the end), frozen figures that equal a recomputation from the
// ledger and add up across reports, and the page, CSV and PDF.

const campaign = (over: Partial<Parameters<typeof scheduleOf>[0]> = {}) => ({
  id: 1,
  slug: 'c',
  title: 'c',
  titleEn: 'c',
  startsAt: '2026-01-10T00:00:00.000Z',
  endsAt: '2026-12-31T00:00:00.000Z',
  status: 'active',
  ...over,
})

describe('disclosure schedule', () => {
  it('asks for a report three months after the start, then three months after each report', () => {
    expect(addMonths('2026-01-31T00:00:00.000Z', 1)).toBe('2026-02-28T00:00:00.000Z')
    const fresh = scheduleOf(campaign(), [], new Date('2026-02-01T00:00:00Z'))
    expect(fresh).toMatchObject({ status: 'upcoming', next: { final: false, dueAt: '2026-04-10T00:00:00.000Z' } })
    expect(scheduleOf(campaign(), [], new Date('2026-03-20T00:00:00Z')).status).toBe('due')
    expect(scheduleOf(campaign(), [], new Date('2026-04-11T00:00:00Z')).status).toBe('overdue')
    const after = scheduleOf(
      campaign(),
      [{ number: 1, final: false, periodEnd: '2026-04-01T00:00:00.000Z', publishedAt: '2026-04-01T00:00:00.000Z' }],
      new Date('2026-04-11T00:00:00Z'),
    )
    expect(after).toMatchObject({
      status: 'upcoming',
      published: 1,
      next: { final: false, dueAt: '2026-07-01T00:00:00.000Z' },
    })
  })

  it('asks for the final report within three months after the end, and is complete once it is out', () => {
    const ending = scheduleOf(
      campaign(),
      [{ number: 3, final: false, periodEnd: '2026-10-15T00:00:00.000Z', publishedAt: '2026-10-15T00:00:00.000Z' }],
      new Date('2026-11-01T00:00:00Z'),
    )
    expect(ending.next).toEqual({ final: true, dueAt: '2027-03-31T00:00:00.000Z' })
    const ended = scheduleOf(campaign(), [], new Date('2027-02-01T00:00:00Z'))
    expect(ended).toMatchObject({ status: 'overdue' }) // no periodic report ever: long overdue
    const closed = scheduleOf(
      campaign({ status: 'closed' }),
      [{ number: 4, final: false, periodEnd: '2026-12-31T00:00:00.000Z', publishedAt: '2027-01-02T00:00:00.000Z' }],
      new Date('2027-01-05T00:00:00Z'),
    )
    expect(closed).toMatchObject({ status: 'due', next: { final: true, dueAt: '2027-03-31T00:00:00.000Z' } })
    expect(
      scheduleOf(
        campaign(),
        [{ number: 5, final: true, periodEnd: '2027-01-10T00:00:00.000Z', publishedAt: '2027-01-10T00:00:00.000Z' }],
        new Date('2028-01-01T00:00:00Z'),
      ).status,
    ).toBe('complete')
  })
})

describe.skipIf(skipReason)(`disclosure reports on ${testDialect}`, () => {
  let t: TestDb
  let campaigns: { id: number; slug: string }[]
  beforeAll(async () => {
    t = await seededDb()
    campaigns = (await t.db.selectFrom('campaigns').select(['id', 'slug']).orderBy('id').execute()).map((c) => ({
      id: Number(c.id),
      slug: c.slug,
    }))
  })
  afterAll(async () => t?.destroy())

  it('freezes figures that equal a recomputation, and consecutive reports add up to the whole history', async () => {
    const c = campaigns[1]!
    const fund = fundOfCampaign(c.id)
    const first = await publishReport(t.db, { campaignId: c.id, userId: null, now: new Date('2026-11-23T03:00:00Z') })
    expect(first).toMatchObject({
      number: 1,
      final: false,
      fromSequence: 0,
      toSequence: Number((await getHead(t.db)).sequence),
    })
    await moreActivity(t.db, 'R1')
    const second = await publishReport(t.db, {
      campaignId: c.id,
      userId: null,
      note: '第二期说明',
      now: new Date('2026-11-24T03:00:00Z'),
    })
    expect(second).toMatchObject({ number: 2, fromSequence: first.toSequence, headHash: (await getHead(t.db)).hash })
    const [a, b] = [first.figures.find((f) => f.currency === 'CNY')!, second.figures.find((f) => f.currency === 'CNY')!]
    expect(b.opening).toBe(a.closing)
    expect(b.closing).toBe(await getBalance(t.db, fund, 'CNY'))
    const whole = (await reportFigures(t.db, fund, 0, second.toSequence)).find((f) => f.currency === 'CNY')!
    for (const k of [
      'income',
      'donations',
      'fees',
      'refunds',
      'awards',
      'payouts',
      'transfersIn',
      'transfersOut',
    ] as const)
      expect(a[k] + b[k], k).toBe(whole[k])
    const gifts = await t.db
      .selectFrom('ledger_donations')
      .select((eb) => [eb.fn.sum<number>('gross').as('g'), eb.fn.countAll<number>().as('n')])
      .where('fund', '=', fund)
      .where('currency', '=', 'CNY')
      .executeTakeFirstOrThrow()
    expect(whole.income).toBe(Number(gifts.g))
    expect(whole.donations).toBe(Number(gifts.n))
    expect(whole.awards).toBeGreaterThan(0)
    expect(whole.payouts).toBeGreaterThan(0)
  })

  it('serves the report as a page, CSV and PDF', async () => {
    const slug = campaigns[1]!.slug
    const page = await call(reportPage.loader as any, get(`/reports/${slug}/2`), { campaign: slug, number: '2' })
    expect(page.status).toBe(200)
    expect(page.body.report.note).toBe('第二期说明')
    // The sections the 2026 rules name, covering every frozen figure exactly once.
    const sections = page.body.sections as { key: string; note: string; figures: { key: string }[] }[]
    expect(sections.map((s) => s.key)).toEqual(['raising', 'use', 'leftover'])
    expect(sections.flatMap((s) => s.figures.map((f) => f.key)).sort()).toEqual(
      Object.keys(page.body.report.figures[0])
        .filter((k) => k !== 'currency')
        .sort(),
    )
    expect(sections[2]!.note).toBe(
      page.body.report.final ? 'tp.report.sectionNote.leftoverFinal' : 'tp.report.sectionNote.leftover',
    )
    const csv = (await reportCsv.loader({
      request: get(`/reports/${slug}/2/csv`),
      params: { campaign: slug, number: '2' },
      context: {},
    } as any)) as Response
    // For people: a BOM (Chinese Excel), localised headers and figure names, yuan with two decimals.
    const bytes = Buffer.from(await csv.arrayBuffer())
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = bytes.toString('utf8')
    const rows = parseCsv(text)
    expect(rows[0]).toContain('金额（元）')
    expect(rows[0]).not.toContain('figure')
    const closing = rows.find((r) => r[9] === '期末结存' && r[8] === 'CNY')!
    const fen = page.body.report.figures.find((f: { currency: string }) => f.currency === 'CNY').closing
    expect(closing[10]).toBe((fen / 100).toFixed(2))
    expect(closing[10]).toMatch(/^-?\d+\.\d{2}$/)
    const english = (await reportCsv.loader({
      request: get(`/reports/${slug}/2/csv?lng=en`),
      params: { campaign: slug, number: '2' },
      context: {},
    } as any)) as Response
    expect(english.headers.get('ETag')).not.toBe(csv.headers.get('ETag'))
    const en = parseCsv(await english.text())
    expect(en[0]).toContain('Amount (yuan)')
    expect(en.find((r) => r[9] === 'Closing balance' && r[8] === 'CNY')![10]).toBe((fen / 100).toFixed(2))

    // The open data keeps its machine format: no BOM, integer minor units; its page says how to open it.
    const open = (await openDataFile.loader({
      request: get('/open-data/accounts.csv'),
      params: { file: 'accounts.csv' },
      context: {},
    } as any)) as Response
    const machineBytes = Buffer.from(await open.arrayBuffer())
    expect([...machineBytes.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf])
    const machine = machineBytes.toString('utf8')
    expect(machine.split('\n')[0]).toMatch(/^[a-z_]+(,[a-z_]+)+\r?$/)
    for (const locale of ['zh-CN', 'en'] as const) expect(translator(locale)('open.excel')).toMatch(/Excel.*UTF-8/s)
    const pdf = (await reportPdf.loader({
      request: get(`/reports/${slug}/2/pdf?lng=en`),
      params: { campaign: slug, number: '2' },
      context: {},
    } as any)) as Response
    expect(pdf.headers.get('Content-Type')).toBe('application/pdf')
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-')
    expect(
      (await call(reportPage.loader as any, get(`/reports/${slug}/99`), { campaign: slug, number: '99' })).status,
    ).toBe(404)
  })

  it('staff see what is due; approvers publish, auditors only read', async () => {
    const rows = await reportSchedule(t.db, ['/'], new Date('2026-11-23T03:00:00Z'))
    expect(rows.map((r) => r.campaign.slug).sort()).toEqual(campaigns.map((c) => c.slug).sort())
    const auditor = await cookieFor(t.db, 'auditor@hope.demo')
    const seen = await call(adminReports.loader as any, get('/admin/reports', auditor))
    expect(seen.status).toBe(200)
    expect(seen.body.rows.length).toBe(campaigns.length)
    expect(seen.body.canPublish).toEqual([])
    expect(
      (
        await call(
          adminReports.action as any,
          post('/admin/reports', { intent: 'publish', campaignId: String(campaigns[0]!.id) }, auditor),
        )
      ).status,
    ).toBe(403)
    const finance = await cookieFor(t.db, 'finance@hope.demo')
    // Publishing is irreversible: without the confirmation box, a 400 on that field and nothing written.
    const countReports = async () =>
      Number(
        (
          await t.db
            .selectFrom('disclosure_reports')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    const before = await countReports()
    const unconfirmed = await call(
      adminReports.action as any,
      post('/admin/reports', { intent: 'publish', campaignId: String(campaigns[0]!.id), note: 'ok' }, finance),
    )
    expect(unconfirmed.status).toBe(400)
    expect(unconfirmed.body).toMatchObject({
      errors: { confirm: 'admin.reports.confirmRequired' },
      campaignId: campaigns[0]!.id,
      note: 'ok',
    })
    const wrongBox = await call(
      adminReports.action as any,
      post('/admin/reports', { intent: 'publish', campaignId: String(campaigns[0]!.id), confirm: 'on' }, finance),
    )
    expect(wrongBox.status).toBe(400)
    expect(wrongBox.body.errors).toEqual({ confirm: 'admin.reports.confirmRequired' })
    expect(await countReports()).toBe(before)
    const done = await call(
      adminReports.action as any,
      post(
        '/admin/reports',
        { intent: 'publish', campaignId: String(campaigns[0]!.id), note: 'ok', confirm: 'yes' },
        finance,
      ),
    )
    expect(done.status).toBe(302)
    expect(done.location).toBe(`/admin/reports?published=${campaigns[0]!.slug}/1`)
    expect(await countReports()).toBe(before + 1)
    expect(
      (
        await call(
          adminReports.action as any,
          post('/admin/reports', { intent: 'publish', campaignId: 'abc' }, finance),
        )
      ).status,
    ).toBe(400)
    const caseworker = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    expect((await call(adminReports.loader as any, get('/admin/reports', caseworker))).status).toBe(403)
  })
})

import { sql } from 'kysely'
import { publicStoryConsented } from '~/modules/beneficiaries/consent.server'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { publishReport } from '~/modules/transparency/reports.server'
import { call, get, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { findLeaks, loadCanaries, publicCopy, type Canary } from '../support/privacy-canaries'
import { publicRouteFiles, ROUTES_DIR, urlOf } from '../support/privacy-routes'
import { moreActivity } from './transparency.fixtures'

// Privacy crawl at the data level: every public route's loader (listed from app/routes
// on disk, so a new route is covered without being named here) and every export,
// searched for every piece of the seeded fake personal data. Zero hits allowed.
// (tests/e2e/transparency.test.ts crawls the rendered HTML of the running server too.)

type RouteModule = { loader?: (...a: any[]) => unknown }
type ParamSets = Record<string, string>[]

describe.skipIf(skipReason)(`privacy crawl on ${testDialect}`, () => {
  let t: TestDb
  let canaries: Canary[]
  let copy: string[]
  const fixtures: Record<string, ParamSets> = {}
  const queries: Record<string, string[]> = {
    'ledger._index.tsx': ['', '?kind=award', '?kind=payout', '?kind=correction'],
    'api.v1.transactions._index.tsx': ['', '?kind=award', '?limit=200'],
    'open-data._index.tsx': ['', '?campaign=sunshine-autumn-2026'],
  }

  beforeAll(async () => {
    t = await seededDb()
    await moreActivity(t.db, 'PRIV')
    const campaigns = await t.db.selectFrom('campaigns').select(['id', 'slug']).orderBy('id').execute()
    for (const c of campaigns) await publishReport(t.db, { campaignId: c.id, userId: null, note: '第一期' })
    canaries = await loadCanaries(t.db)
    copy = await publicCopy(t.db)

    const awards = await t.db
      .selectFrom('ledger_traces as x')
      .innerJoin('ledger_lots as l', 'l.id', 'x.lot_id')
      .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
      .select(['d.donation_ref', 'x.beneficiary_code', 'x.sequence'])
      .where('x.kind', '=', 'award')
      .orderBy('x.id')
      .execute()
    const gifts = await t.db
      .selectFrom('donations')
      .select(['public_id', 'tracking_code'])
      .where(
        'public_id',
        'in',
        awards.map((a) => a.donation_ref),
      )
      .execute()
    const anyGift = await t.db
      .selectFrom('donations')
      .select(['public_id', 'tracking_code'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    const students = await t.db.selectFrom('beneficiaries').select('public_code').orderBy('id').limit(3).execute()
    const kinds = await t.db
      .selectFrom('ledger_transactions')
      .select(['kind', 'sequence'])
      .orderBy('sequence')
      .execute()
    const oneOfEach = [...new Map(kinds.map((k) => [k.kind, String(k.sequence)])).values()]
    const files = [
      ...['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces'].flatMap((d) => [
        `${d}.csv`,
        `${d}.jsonl`,
      ]),
    ]
    Object.assign(fixtures, {
      'trace.$code.tsx': [...gifts, anyGift].map((g) => ({ code: g.tracking_code })),
      'students.$code.tsx': [
        ...new Set([...awards.map((a) => a.beneficiary_code!), ...students.map((s) => s.public_code)]),
      ].map((code) => ({ code })),
      'ledger.$sequence.tsx': oneOfEach.map((sequence) => ({ sequence })),
      'api.v1.transactions.$sequence.tsx': oneOfEach.map((sequence) => ({ sequence })),
      'api.v1.traces.$donation.tsx': [...new Set(awards.map((a) => a.donation_ref))]
        .slice(0, 10)
        .map((donation) => ({ donation })),
      'open-data.$file.tsx': files.map((file) => ({ file })),
      'campaigns.$slug.tsx': campaigns.map((c) => ({ slug: c.slug })),
      'reports.$campaign.$number.tsx': campaigns.map((c) => ({ campaign: c.slug, number: '1' })),
      'reports.$campaign.$number_.csv.tsx': campaigns.map((c) => ({ campaign: c.slug, number: '1' })),
      'donate.thanks.tsx': [{}],
    } satisfies Record<string, ParamSets>)
    queries['donate.thanks.tsx'] = [`?donation=${anyGift.public_id}`]
  })
  afterAll(async () => t?.destroy())

  it('the canaries are real: the seeded students carry every kind of personal data', () => {
    const kinds = new Set(canaries.map((c) => c.kind.split(' ')[0]))
    for (const k of ['legal', 'school', 'national', 'birth', 'guardian', 'category']) expect(kinds, k).toContain(k)
    expect(canaries.length).toBeGreaterThan(60 * 6)
    // Positive control: the search finds a student's own row.
    expect(findLeaks(JSON.stringify(canaries.slice(0, 3).map((c) => c.value)), canaries).length).toBe(3)
  })

  it('every public route and every export: zero hits', async () => {
    const files = publicRouteFiles()
    expect(files).toEqual(
      expect.arrayContaining([
        'transparency.tsx',
        'ledger._index.tsx',
        'trace.$code.tsx',
        'students.$code.tsx',
        'open-data.$file.tsx',
      ]),
    )
    const leaks: string[] = []
    const crawled: string[] = []
    const failures: string[] = []
    for (const file of files) {
      const mod = (await import(path.join(ROUTES_DIR, file))) as RouteModule
      if (!mod.loader) continue
      for (const params of fixtures[file] ?? [{}]) {
        for (const q of queries[file] ?? ['']) {
          const url = urlOf(file, params) + q
          let result: unknown
          try {
            result = await mod.loader({ request: get(url), params, context: { clientIp: '203.0.113.7' } })
          } catch (error) {
            if (!(error instanceof Response)) {
              failures.push(`${url} threw ${String(error)}`)
              continue
            }
            result = error
          }
          let text: string
          let status = 200
          if (result instanceof Response) {
            status = result.status
            if (/pdf|octet-stream/.test(result.headers.get('Content-Type') ?? '')) {
              await result.body?.cancel()
              continue
            }
            text = result.body ? await result.text() : ''
          } else if (
            result &&
            typeof result === 'object' &&
            (result as { type?: string }).type === 'DataWithResponseInit'
          ) {
            text = JSON.stringify((result as { data: unknown }).data)
          } else text = JSON.stringify(result ?? null)
          if (status >= 500) failures.push(`${url} → ${status}`)
          if (status === 200) crawled.push(url)
          for (const hit of findLeaks(text, canaries, copy)) leaks.push(`${url}: ${hit}`)
        }
      }
    }
    expect(leaks).toEqual([])
    expect(failures).toEqual([])
    for (const must of ['/transparency', '/ledger', '/open-data/traces.jsonl', '/api/v1/totals', '/reports'])
      expect(crawled).toContain(must)
    expect(crawled.filter((u) => u.startsWith('/trace/')).length).toBeGreaterThan(1)
    expect(crawled.filter((u) => u.startsWith('/students/')).length).toBeGreaterThan(1)
  })

  it('a student page holds only the public facts, whatever the student’s consent', async () => {
    const mod = (await import(path.join(ROUTES_DIR, 'students.$code.tsx'))) as RouteModule
    const code = fixtures['students.$code.tsx']![0]!.code!
    const o = await call(mod.loader as any, get(`/students/${code}`), { code })
    expect(o.status).toBe(200)
    expect(Object.keys(o.body.student).sort()).toEqual([
      'code',
      'county',
      'donations',
      'entries',
      'funds',
      'grade',
      'programmes',
      'totals',
    ])
    expect(o.body.student.code).toBe(code)
    // A student with no awards at all, and unknown or malformed codes.
    const last = await t.db
      .selectFrom('beneficiaries')
      .select('public_code')
      .where(publicStoryConsented('beneficiaries.id'))
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    const quiet = await call(mod.loader as any, get(`/students/${last.public_code}`), { code: last.public_code })
    expect(quiet.status).toBe(200)
    expect(quiet.body.student.entries).toEqual([])
    expect((await call(mod.loader as any, get('/students/HP-000000-9999'), { code: 'HP-000000-9999' })).status).toBe(
      404,
    )
    expect((await call(mod.loader as any, get('/students/x'), { code: "' or 1=1 --" })).status).toBe(404)
    // Without a standing public-story consent the page does not exist, from the moment of withdrawal.
    const declined = await t.db
      .selectFrom('beneficiaries')
      .select('public_code')
      .where(sql<boolean>`not ${publicStoryConsented('beneficiaries.id')}`)
      .executeTakeFirstOrThrow()
    expect(
      (await call(mod.loader as any, get(`/students/${declined.public_code}`), { code: declined.public_code })).status,
    ).toBe(404)
    const id = (
      await t.db.selectFrom('beneficiaries').select('id').where('public_code', '=', code).executeTakeFirstOrThrow()
    ).id
    await t.db
      .updateTable('beneficiary_consents')
      .set({ withdrawn_at: new Date().toISOString() })
      .where('beneficiary_id', '=', id)
      .where('withdrawn_at', 'is', null)
      .execute()
    expect((await call(mod.loader as any, get(`/students/${code}`), { code })).status).toBe(404)
  })
})

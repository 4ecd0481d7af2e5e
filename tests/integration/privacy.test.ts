import { sql } from 'kysely'
import { createHash } from 'node:crypto'
import { publicStoryConsented, withdrawConsent } from '~/modules/beneficiaries/consent.server'
import { getHead } from '~/modules/ledger'
import { WITHHELD_CODE } from '~/modules/transparency/withheld'
import { withheldCodes } from '~/modules/transparency/withheld.server'
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
  let awarded: { donation_ref: string; beneficiary_code: string | null; sequence: number | string }[] = []
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
    // A staff-written story of a student without a public-story consent: it must show nowhere.
    const hidden = await t.db
      .selectFrom('beneficiaries')
      .select('id')
      .where((eb) => eb.not(publicStoryConsented('beneficiaries.id')))
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const story = '故事金丝雀：喜欢唱歌的孩子，梦想是当医生。'
    await t.db
      .insertInto('student_stories')
      .values({ beneficiary_id: hidden.id, story, written_by: null, written_at: new Date().toISOString() })
      .execute()
    canaries.push({ kind: 'story without consent', value: story, student: String(hidden.id) })
    copy = await publicCopy(t.db)

    const awards = await t.db
      .selectFrom('ledger_traces as x')
      .innerJoin('ledger_lots as l', 'l.id', 'x.lot_id')
      .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
      .select(['d.donation_ref', 'x.beneficiary_code', 'x.sequence'])
      .where('x.kind', '=', 'award')
      .orderBy('x.id')
      .execute()
    awarded = awards
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
    const teams = await t.db.selectFrom('team_pages').select('code').orderBy('id').execute()
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
      'teams.$code.tsx': teams.map((x) => ({ code: x.code })),
      'teams.$code_.poster[.]svg.tsx': teams.map((x) => ({ code: x.code })),
    } satisfies Record<string, ParamSets>)
    queries['donate.thanks.tsx'] = [`?donation=${anyGift.public_id}`]
  })
  afterAll(async () => t?.destroy())

  /** Every public route's loader with its fixtures; `find` names what it finds in each answer. */
  async function crawl(find: (text: string) => string[]) {
    const files = publicRouteFiles()
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
          for (const hit of find(text)) leaks.push(`${url}: ${hit}`)
        }
      }
    }
    return { leaks, crawled, failures }
  }

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
    const { leaks, crawled, failures } = await crawl((text) => findLeaks(text, canaries, copy))
    expect(leaks).toEqual([])
    expect(failures).toEqual([])
    for (const must of ['/transparency', '/ledger', '/open-data/traces.jsonl', '/api/v1/totals', '/reports'])
      expect(crawled).toContain(must)
    expect(crawled.filter((u) => u.startsWith('/trace/')).length).toBeGreaterThan(1)
    expect(crawled.filter((u) => u.startsWith('/students/')).length).toBeGreaterThan(1)
    // Team pages (一起捐) and their posters: the seeded ones, each crawled.
    expect(crawled.filter((u) => /^\/teams\/T-[0-9A-Z]{8}$/.test(u)).length).toBeGreaterThanOrEqual(3)
    expect(crawled.filter((u) => /^\/teams\/T-[0-9A-Z]{8}\/poster\.svg$/.test(u)).length).toBeGreaterThanOrEqual(3)
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

  it('after a withdrawal the code is on no public page, API answer or export, and the export still verifies', async () => {
    const standing = await t.db
      .selectFrom('beneficiaries')
      .select(['id', 'public_code', 'station_id'])
      .where(publicStoryConsented('beneficiaries.id'))
      .where(
        'public_code',
        'in',
        awarded.map((a) => a.beneficiary_code!),
      )
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const code = standing.public_code
    const mine = awarded.filter((a) => a.beneficiary_code === code)
    // Every surface that names this child: their award transactions, their donors' traces.
    fixtures['ledger.$sequence.tsx']!.push(...mine.map((a) => ({ sequence: String(a.sequence) })))
    fixtures['api.v1.transactions.$sequence.tsx']!.push(...mine.map((a) => ({ sequence: String(a.sequence) })))
    fixtures['api.v1.traces.$donation.tsx']!.push(...mine.map((a) => ({ donation: a.donation_ref })))
    const named = (text: string) => (text.includes(code) ? [code] : [])
    const before = await crawl(named)
    expect(before.leaks.length, 'the code is public before the withdrawal').toBeGreaterThan(5)

    expect(
      await withdrawConsent(
        t.db,
        { id: 1, ip: '203.0.113.7' },
        { beneficiaryId: standing.id, stationId: standing.station_id },
      ),
    ).toBe(true)
    const after = await crawl(named)
    expect(after.leaks).toEqual([])
    expect(after.failures).toEqual([])
    for (const a of mine) {
      expect(after.crawled).toContain(`/ledger/${a.sequence}`)
      expect(after.crawled).toContain(`/api/v1/traces/${a.donation_ref}`)
    }
    for (const f of ['traces', 'accounts', 'transactions'])
      for (const ext of ['jsonl', 'csv']) expect(after.crawled).toContain(`/open-data/${f}.${ext}`)

    // The export still verifies in full: a version-2 record commits to the code, so its hash
    // recomputes without it; the withdrawn code's disclosure (value and salt) is gone and
    // its commitment is accepted alone. Version-1 records carrying the placeholder would be
    // taken as published (open-data.md, section 7); this database has none.
    const file = (await import(path.join(ROUTES_DIR, 'open-data.$file.tsx'))) as RouteModule
    const jsonl = async (name: string) => {
      const res = (await file.loader!({
        request: get(`/open-data/${name}`),
        params: { file: name },
        context: {},
      })) as Response
      return (await res.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    }
    const [transactions, transfers, traces] = (await Promise.all(
      ['transactions.jsonl', 'transfers.jsonl', 'traces.jsonl'].map(jsonl),
    )) as [any[], any[], any[]]
    const bySeq = new Map<string, any[]>()
    for (const x of transfers) bySeq.set(x.sequence, [...(bySeq.get(x.sequence) ?? []), x])
    let prev = '0'.repeat(64)
    const withdrawnAt: string[] = []
    for (const tx of transactions) {
      expect(tx.prev_hash).toBe(prev)
      expect(tx.version).toBe('2')
      for (const key of ['beneficiary', 'donor']) {
        if (tx.refs[key] === undefined) continue
        const d = tx.disclosed[key]
        if (!d) {
          if (key === 'beneficiary') withdrawnAt.push(tx.sequence)
          continue
        }
        const c = createHash('sha256').update(`${d.salt}:${key}:${d.value}`).digest('hex')
        expect(c, `commitment ${key} of ${tx.sequence}`).toBe(tx.refs[key])
      }
      const refs = Object.keys(tx.refs)
        .sort()
        .map((k) => [k, tx.refs[k]])
      const list = (bySeq.get(tx.sequence) ?? [])
        .sort((a, b) => Number(a.position) - Number(b.position))
        .map((x) => [x.from, x.to, x.amount, x.currency])
      prev = createHash('sha256')
        .update(prev + JSON.stringify(['hope-ledger/2', tx.sequence, tx.kind, tx.occurred_at, refs, list]))
        .digest('hex')
      expect(tx.hash, `hash of ${tx.sequence}`).toBe(prev)
    }
    expect(prev).toBe((await getHead(t.db)).hash)
    // Withdrawn: exactly the records that name a withheld child (this one, and the one the
    // test above withdrew), awards and payouts alike.
    const withheld = await withheldCodes(t.db)
    expect(withheld.has(code)).toBe(true)
    const naming = await t.db
      .selectFrom('ledger_disclosures')
      .select('sequence')
      .where('key', '=', 'beneficiary')
      .where('value', 'in', [...withheld])
      .orderBy('sequence')
      .execute()
    expect(withdrawnAt).toEqual(naming.map((r) => String(r.sequence)))
    expect(withdrawnAt.length).toBeGreaterThanOrEqual(new Set(mine.map((a) => String(a.sequence))).size)
    expect(traces.filter((x) => x.beneficiary === WITHHELD_CODE).length).toBeGreaterThanOrEqual(mine.length)
  })
})

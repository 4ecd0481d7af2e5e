import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fundOfCampaign, getDonationTrace, getHead, inTransaction, postDonation } from '~/modules/ledger'
import { parseCsv } from '~/utils/csv'
import * as fileRoute from '~/routes/open-data.$file'
import * as apiTotals from '~/routes/api.v1.totals'
import * as apiTrace from '~/routes/api.v1.traces.$donation'
import { get, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { moreActivity } from './transparency.fixtures'

// Export round trip: download the open data through the site's own route, then
// recompute the chain head, every balance and every trace from the files alone
// (following public/open-data.md, with no app code) and compare with the site.

type Rows = Record<string, any>[]

async function download(path: string, headers: Record<string, string> = {}): Promise<Response> {
  const url = new URL(`http://localhost:3000${path}`)
  const request = new Request(url, { headers })
  return (await fileRoute.loader({
    request,
    params: { file: url.pathname.split('/').pop()! },
    context: {},
  } as any)) as Response
}

async function jsonl(path: string): Promise<Rows> {
  const res = await download(path)
  expect(res.status).toBe(200)
  const text = await res.text()
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')

describe.skipIf(skipReason)(`open data round trip on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
    await moreActivity(t.db, 'E1')
  })
  afterAll(async () => t?.destroy())

  it('recomputes the chain head, balances and traces from the export alone', async () => {
    const [transactions, transfers, donations, lots, traces, accounts] = await Promise.all(
      (['transactions', 'transfers', 'donations', 'lots', 'traces', 'accounts'] as const).map((d) =>
        jsonl(`/open-data/${d}.jsonl`),
      ),
    ).then((all) => all as [Rows, Rows, Rows, Rows, Rows, Rows])
    expect(accounts.length).toBeGreaterThan(5)
    // 1. The chain: hash = SHA-256(prev_hash ‖ ["hope-ledger/<version>", seq, kind, occurred_at, [[k,v]…], [[from,to,amount,currency]…]]),
    //    and in version 2 each disclosure opens its commitment: SHA-256(salt:key:value).
    const bySeq = new Map<string, Rows>()
    for (const x of transfers) bySeq.set(x.sequence, [...(bySeq.get(x.sequence) ?? []), x])
    let prev = '0'.repeat(64)
    for (const [i, tx] of transactions.entries()) {
      expect(tx.sequence).toBe(String(i + 1))
      expect(tx.prev_hash).toBe(prev)
      const refs = Object.keys(tx.refs)
        .sort()
        .map((k) => [k, tx.refs[k]])
      const list = (bySeq.get(tx.sequence) ?? [])
        .sort((a, b) => Number(a.position) - Number(b.position))
        .map((x) => [x.from, x.to, x.amount, x.currency])
      for (const [key, d] of Object.entries(tx.disclosed as Record<string, { value: string; salt: string }>))
        expect(sha256(`${d.salt}:${key}:${d.value}`), `${key} of ${tx.sequence}`).toBe(tx.refs[key])
      const version = `hope-ledger/${tx.version}`
      prev = sha256(prev + JSON.stringify([version, tx.sequence, tx.kind, tx.occurred_at, refs, list]))
      expect(tx.hash).toBe(prev)
    }
    const head = await getHead(t.db)
    expect({ sequence: String(transactions.length), hash: prev }).toEqual({
      sequence: String(head.sequence),
      hash: head.hash,
    })

    // 2. Balances: the sum of transfers, equal to the site's balance of every account.
    const balances = new Map<string, number>()
    for (const x of transfers) {
      balances.set(`${x.from}|${x.currency}`, (balances.get(`${x.from}|${x.currency}`) ?? 0) - Number(x.amount))
      balances.set(`${x.to}|${x.currency}`, (balances.get(`${x.to}|${x.currency}`) ?? 0) + Number(x.amount))
    }
    const site = await t.db.selectFrom('ledger_balances').selectAll().execute()
    for (const b of site) expect(balances.get(`${b.account}|${b.currency}`) ?? 0, b.account).toBe(b.balance)
    for (const [k, v] of balances)
      if (v !== 0)
        expect(
          site.some((b) => `${b.account}|${b.currency}` === k),
          k,
        ).toBe(true)

    // 3. Traces: lot remainders and each donation's shares per student.
    const traceById = new Map(traces.map((x) => [x.trace, x]))
    const remaining = new Map(lots.map((l) => [l.lot, Number(l.amount)]))
    const reversedOf = new Map<string, number>()
    for (const x of traces) {
      const amount = Number(x.amount)
      if (['award', 'refund', 'dispute', 'transfer'].includes(x.kind))
        remaining.set(x.lot, remaining.get(x.lot)! - amount)
      if (x.kind === 'reversal') {
        const parent = traceById.get(x.parent)!
        reversedOf.set(parent.trace, (reversedOf.get(parent.trace) ?? 0) + amount)
        if (parent.kind === 'award' || parent.kind === 'transfer') remaining.set(x.lot, remaining.get(x.lot)! + amount)
      }
    }
    for (const l of lots) {
      if (l.source_trace && reversedOf.has(l.source_trace))
        remaining.set(l.lot, remaining.get(l.lot)! - reversedOf.get(l.source_trace)!)
    }
    const siteLots = await t.db.selectFrom('ledger_lot_balances').select(['lot_id', 'remaining']).execute()
    expect(siteLots.length).toBe(lots.length)
    for (const l of siteLots) expect(remaining.get(String(l.lot_id)), `lot ${l.lot_id}`).toBe(l.remaining)

    for (const d of donations) {
      const site = (await getDonationTrace(t.db, d.donation))!
      const held = lots.filter((l) => l.donation === d.donation).reduce((n, l) => n + remaining.get(l.lot)!, 0)
      expect(site.held, `${d.donation} held`).toBe(held)
      const awarded = new Map<string, number>()
      const paid = new Map<string, number>()
      for (const x of traces.filter((x) => x.donation === d.donation)) {
        const amount = Number(x.amount)
        const parent = x.parent ? traceById.get(x.parent) : undefined
        if (x.kind === 'award') awarded.set(x.beneficiary, (awarded.get(x.beneficiary) ?? 0) + amount)
        if (x.kind === 'payout') paid.set(x.beneficiary, (paid.get(x.beneficiary) ?? 0) + amount)
        if (x.kind === 'reversal' && parent?.kind === 'award')
          awarded.set(x.beneficiary, awarded.get(x.beneficiary)! - amount)
        if (x.kind === 'reversal' && parent?.kind === 'payout')
          paid.set(x.beneficiary, paid.get(x.beneficiary)! - amount)
      }
      const sum = (m: Map<string, number>) => Object.fromEntries([...m].filter(([, v]) => v !== 0).sort())
      const siteAwarded = new Map<string, number>()
      const sitePaid = new Map<string, number>()
      for (const s of site.shares) {
        siteAwarded.set(s.beneficiaryCode, (siteAwarded.get(s.beneficiaryCode) ?? 0) + s.amount)
        sitePaid.set(s.beneficiaryCode, (sitePaid.get(s.beneficiaryCode) ?? 0) + s.paid)
      }
      expect(sum(siteAwarded), `${d.donation} shares`).toEqual(sum(awarded))
      expect(sum(sitePaid), `${d.donation} paid`).toEqual(sum(paid))
    }
  })

  it('CSV holds the same rows as JSON lines', async () => {
    for (const dataset of ['transactions', 'donations', 'traces']) {
      const rows = await jsonl(`/open-data/${dataset}.jsonl`)
      const csv = parseCsv(await (await download(`/open-data/${dataset}.csv`)).text())
      const [header, ...body] = csv
      expect(body.length).toBe(rows.length)
      body.forEach((cells, i) => {
        const obj = Object.fromEntries(header!.map((h, j) => [h, cells[j] === '' ? null : cells[j]]))
        const want = Object.fromEntries(
          Object.entries(rows[i]!).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v]),
        )
        if (dataset === 'transactions') expect(obj.refs === null ? '{}' : obj.refs).toBe(want.refs)
        expect({ ...obj, refs: undefined }).toEqual({ ...want, refs: undefined })
      })
    }
  })

  it('streams with ETag from the chain head, Cache-Control, and 304 on If-None-Match', async () => {
    const first = await download('/open-data/transfers.csv')
    expect(first.body).toBeInstanceOf(ReadableStream)
    expect(first.headers.get('Cache-Control')).toMatch(/public, max-age=\d+/)
    const etag = first.headers.get('ETag')!
    expect(etag).toMatch(/^"\d+-/)
    await first.body!.cancel()
    const again = await download('/open-data/transfers.csv', { 'If-None-Match': etag })
    expect(again.status).toBe(304)
    const other = await download('/open-data/transfers.jsonl', { 'If-None-Match': etag })
    expect(other.status).toBe(200)
    await other.body!.cancel()
    const c = await t.db.selectFrom('campaigns').select('id').orderBy('id').executeTakeFirstOrThrow()
    await inTransaction(t.db, (trx) =>
      postDonation(trx, {
        idempotencyKey: 'etag:1',
        donationRef: 'D-ETAG-1',
        fund: fundOfCampaign(c.id),
        amount: 100,
        fee: 0,
        currency: 'CNY',
        paidAt: new Date().toISOString(),
        displayName: '爱心人士',
      }),
    )
    const changed = await download('/open-data/transfers.csv', { 'If-None-Match': etag })
    expect(changed.status).toBe(200)
    expect(changed.headers.get('ETag')).not.toBe(etag)
    await changed.body!.cancel()
    expect((await download('/open-data/secrets.csv')).status).toBe(404)
    expect((await download('/open-data/transfers.xml')).status).toBe(404)
  })

  it('filters by campaign and date range: only that fund’s transactions', async () => {
    const c = await t.db.selectFrom('campaigns').select(['id', 'slug']).orderBy('id').executeTakeFirstOrThrow()
    const fund = fundOfCampaign(c.id)
    const txs = await jsonl(`/open-data/transactions.jsonl?campaign=${c.slug}`)
    const transfers = await jsonl(`/open-data/transfers.jsonl?campaign=${c.slug}`)
    expect(txs.length).toBeGreaterThan(0)
    for (const tx of txs)
      expect(
        transfers.some((x) => x.sequence === tx.sequence && (x.from === fund || x.to === fund)),
        tx.sequence,
      ).toBe(true)
    const donations = await jsonl(`/open-data/donations.jsonl?campaign=${c.slug}&from=2026-11-20&to=2026-11-20`)
    expect(donations.length).toBeGreaterThan(0)
    for (const d of donations) {
      expect(d.fund).toBe(fund)
      expect(d.paid_at >= '2026-11-19T16:00:00.000Z' && d.paid_at < '2026-11-20T16:00:00.000Z').toBe(true)
    }
    expect((await download('/open-data/transactions.jsonl?campaign=nope')).status).toBe(404)
  })

  it('the JSON API answers totals and traces with the same ETag rule', async () => {
    const res = (await apiTotals.loader({ request: get('/api/v1/totals'), params: {}, context: {} } as any)) as Response
    expect(res.headers.get('Content-Type')).toMatch(/application\/json/)
    const body = await res.json()
    expect(body.head.hash).toBe((await getHead(t.db)).hash)
    const again = (await apiTotals.loader({
      request: new Request('http://localhost:3000/api/v1/totals', {
        headers: { 'If-None-Match': res.headers.get('ETag')! },
      }),
      params: {},
      context: {},
    } as any)) as Response
    expect(again.status).toBe(304)
    const awarded = await t.db
      .selectFrom('ledger_traces as x')
      .innerJoin('ledger_lots as l', 'l.id', 'x.lot_id')
      .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
      .select('d.donation_ref')
      .where('x.kind', '=', 'award')
      .orderBy('x.id')
      .executeTakeFirstOrThrow()
    const ref = awarded.donation_ref
    const trace = (await apiTrace.loader({
      request: get(`/api/v1/traces/${ref}`),
      params: { donation: ref },
      context: {},
    } as any)) as Response
    expect(trace.status).toBe(200)
    const tb = await trace.json()
    expect(tb.shares.length).toBeGreaterThan(0)
    expect(Object.keys(Object.values(tb.students)[0] as object).sort()).toEqual(['code', 'county', 'grade'])
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as apiTotals from '~/routes/api.v1.totals'
import * as apiTrace from '~/routes/api.v1.traces.$donation'
import * as headRoute from '~/routes/open-data.head[.]json'
import * as fileRoute from '~/routes/open-data.$file'
import * as dashboardRoute from '~/routes/transparency'
import { call, get, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { moreActivity } from './transparency.fixtures'

// Every figure on /transparency and in /api/v1/totals, recomputed from the downloaded
// export files alone by the rules of public/open-data.md (section 9), with no app code:
// a reader's CSV parser (RFC 4180, CRLF), then plain sums. Also each /api/v1/traces answer.

type Row = Record<string, string | null>
type Money = Record<string, number>
const plus = (m: Money, k: string, v: number) => {
  m[k] = (m[k] ?? 0) + v
  if (m[k] === 0) delete m[k]
}

async function download(path: string): Promise<Response> {
  const url = new URL(`http://localhost:3000${path}`)
  return (await fileRoute.loader({
    request: new Request(url),
    params: { file: url.pathname.split('/').pop()! },
    context: {},
  } as any)) as Response
}

/** A strict RFC 4180 reader: records end in CRLF; a bare LF outside quotes is an error. */
function readCsv(text: string): Row[] {
  const records: string[][] = []
  let rec: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      rec.push(field)
      field = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      rec.push(field)
      records.push(rec)
      rec = []
      field = ''
      i++
    } else if (c === '\n') throw new Error(`bare LF at ${i}`)
    else field += c
  }
  if (field || rec.length) throw new Error('last record without CRLF')
  const [header, ...body] = records
  // An empty field is null; a formula-guarded text loses its one leading ' (section 1).
  const value = (s: string) => (s === '' ? null : /^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s)
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, value(r[i] ?? '')])))
}

async function dataset(name: string): Promise<Row[]> {
  const res = await download(`/open-data/${name}.csv`)
  expect(res.status).toBe(200)
  return readCsv(await res.text())
}

/** The figures of section 9, from the six datasets. */
function figures(d: Record<'accounts' | 'transactions' | 'transfers' | 'donations' | 'lots' | 'traces', Row[]>) {
  const fundish = (a: string) => a.startsWith('fund:')
  const payable = (a: string) => a.startsWith('payable:')
  const paidAcc = (a: string) => a.startsWith('paid:')
  const out = (a: string) => a === 'external:refunds' || a === 'external:disputes'
  const totals: Record<string, Money> = {}
  const T = (c: string) => (totals[c] ??= {})
  const funds: Record<string, Money> = {}
  const F = (f: string, c: string) => (funds[`${f}|${c}`] ??= {})
  for (const x of d.transfers) {
    const [from, to, c, n] = [x.from!, x.to!, x.currency!, Number(x.amount)]
    if (from === 'external:donors') plus(T(c), 'raised', n)
    if (to === 'external:fees') plus(T(c), 'fees', n)
    if (out(to)) plus(T(c), 'refunded', n)
    if (fundish(from) && payable(to)) plus(T(c), 'awarded', n)
    if (payable(from) && fundish(to)) plus(T(c), 'awarded', -n)
    if (payable(from) && paidAcc(to)) plus(T(c), 'paid', n)
    if (paidAcc(from) && payable(to)) plus(T(c), 'paid', -n)
    if (fundish(to)) {
      plus(T(c), 'held', n)
      plus(F(to, c), 'held', n)
      if (from === 'external:donors') plus(F(to, c), 'raised', n)
      else if (fundish(from)) plus(F(to, c), 'transfersIn', n)
      else if (payable(from)) plus(F(to, c), 'awarded', -n)
    }
    if (fundish(from)) {
      plus(T(c), 'held', -n)
      plus(F(from, c), 'held', -n)
      if (to === 'external:fees') plus(F(from, c), 'fees', n)
      else if (out(to)) plus(F(from, c), 'refunded', n)
      else if (payable(to)) plus(F(from, c), 'awarded', n)
      else if (fundish(to)) plus(F(from, c), 'transfersOut', n)
    }
  }
  const monthly: Money = {}
  for (const g of d.donations) {
    plus(T(g.currency!), 'donations', 1)
    plus(F(g.fund!, g.currency!), 'donations', 1)
    const month = new Date(Date.parse(g.paid_at!) + 8 * 3_600_000).toISOString().slice(0, 7)
    plus(monthly, `${month}|${g.currency}`, Number(g.amount))
  }
  // Paid per fund: payout traces by their lot's fund, less reversals of payout traces.
  const lotFund = new Map(d.lots.map((l) => [l.lot!, l.fund!]))
  const traceById = new Map(d.traces.map((x) => [x.trace!, x]))
  for (const x of d.traces) {
    const isPayout = x.kind === 'payout'
    const undoesPayout = x.kind === 'reversal' && traceById.get(x.parent!)?.kind === 'payout'
    if (isPayout || undoesPayout)
      plus(F(lotFund.get(x.lot!)!, x.currency!), 'paid', (isPayout ? 1 : -1) * Number(x.amount))
  }
  for (const t of [...Object.values(totals), ...Object.values(funds)])
    plus(t, 'awaiting', (t.awarded ?? 0) - (t.paid ?? 0))
  // Awards by programme (the award's refs) and county (digits 4–9 of the student's code).
  const txBySeq = new Map(d.transactions.map((x) => [x.sequence!, x]))
  const first = new Map<string, Row>()
  for (const x of d.transfers) if (x.position === '0') first.set(x.sequence!, x)
  const name = new Map(d.accounts.map((a) => [a.code!, a.name ?? '']))
  const byProgramme: Money = {}
  const byCounty: Money = {}
  const kinds: Money = {}
  for (const x of d.transactions) {
    plus(kinds, x.kind!, 1)
    const corrected = x.kind === 'correction' ? txBySeq.get(JSON.parse(x.refs!).corrects) : undefined
    const award = x.kind === 'award' ? x : corrected?.kind === 'award' ? corrected : undefined
    if (!award) continue
    const tr = first.get(award.sequence!)!
    const sign = x === award ? 1 : -1
    plus(byProgramme, `${JSON.parse(award.refs!).programme ?? ''}|${tr.currency}`, sign * Number(tr.amount))
    const code = name.get(tr.to!)!
    const county = /^HP-(\d{6})-\d+$/.exec(code)?.[1] ?? 'withheld'
    plus(byCounty, `${county}|${tr.currency}`, sign * Number(tr.amount))
  }
  return { totals, funds, monthly, byProgramme, byCounty, kinds }
}

const FIGURES = ['raised', 'donations', 'fees', 'refunded', 'awarded', 'paid', 'awaiting', 'held'] as const

describe.skipIf(skipReason)(`/transparency recomputed from the export alone on ${testDialect}`, () => {
  let t: TestDb
  let want: ReturnType<typeof figures>
  let data: Parameters<typeof figures>[0]
  beforeAll(async () => {
    t = await seededDb()
    await moreActivity(t.db, 'F1')
    const names = ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces'] as const
    const rows = await Promise.all(names.map(dataset))
    data = Object.fromEntries(names.map((n, i) => [n, rows[i]!])) as typeof data
    want = figures(data)
  })
  afterAll(async () => t?.destroy())

  it('CSV and JSON lines carry the same rows', async () => {
    for (const name of ['transactions', 'donations', 'traces'] as const) {
      const text = await (await download(`/open-data/${name}.jsonl`)).text()
      expect(text.endsWith('\n') && !text.includes('\r\n')).toBe(true)
      const rows = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      const flat = rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v]),
        ),
      )
      expect(data[name]).toEqual(flat)
    }
  })

  it('/api/v1/totals: head, totals, every fund and the kinds equal the recomputation', async () => {
    const res = (await apiTotals.loader({ request: get('/api/v1/totals'), params: {}, context: {} } as any)) as Response
    const body = (await res.json()) as any
    const head = (await (await headRoute.loader({ request: get('/open-data/head.json') } as any)).json()) as any
    const last = data.transactions.at(-1)!
    expect(head).toEqual({ sequence: last.sequence, hash: last.hash })
    expect(body.head).toEqual({ sequence: Number(last.sequence), hash: last.hash })
    expect(Object.keys(body.totals).sort()).toEqual(Object.keys(want.totals).sort())
    for (const [currency, x] of Object.entries(body.totals as Record<string, Money>))
      for (const k of FIGURES) expect(x[k], `${currency} ${k}`).toBe(want.totals[currency]![k] ?? 0)
    expect(body.funds.length).toBe(Object.keys(want.funds).length)
    for (const f of body.funds as (Money & { fund: string; currency: string })[])
      for (const k of [...FIGURES, 'transfersIn', 'transfersOut'])
        expect(f[k], `${f.fund} ${f.currency} ${k}`).toBe(want.funds[`${f.fund}|${f.currency}`]![k] ?? 0)
    expect(body.transactionsByKind).toEqual(want.kinds)
  })

  it('/transparency: totals, funds, the monthly chart, by programme and by county', async () => {
    const o = await call(dashboardRoute.loader as any, get('/transparency'))
    const d = o.body.dashboard
    expect(d.head.sequence).toBe(Number(data.transactions.at(-1)!.sequence))
    for (const { currency, totals } of d.totals)
      for (const k of FIGURES) expect(totals[k], `${currency} ${k}`).toBe(want.totals[currency]![k] ?? 0)
    // The page sums every sponsorship fund into one row, and every wish fund into another.
    const shown: Record<string, Money> = {}
    for (const [key, m] of Object.entries(want.funds)) {
      const [fund, currency] = key.split('|') as [string, string]
      const row = `${fund.replace(/^fund:(sponsorship|wish):\d+$/, 'fund:$1:*')}|${currency}`
      for (const [k, v] of Object.entries(m)) plus((shown[row] ??= {}), k, v)
    }
    expect(d.funds.length).toBe(Object.keys(shown).length)
    for (const f of d.funds)
      for (const k of FIGURES) expect(f[k], `${f.fund} ${k}`).toBe(shown[`${f.fund}|${f.currency}`]![k] ?? 0)
    const monthly: Money = {}
    for (const { currency, bars } of d.monthly) for (const b of bars) plus(monthly, `${b.key}|${currency}`, b.amount)
    expect(monthly).toEqual(want.monthly)
    const byProgramme: Money = {}
    for (const { currency, bars } of d.byProgramme)
      for (const b of bars) plus(byProgramme, `${b.key}|${currency}`, b.amount)
    expect(byProgramme).toEqual(want.byProgramme)
    // By county: a withheld student's awards count in their county on the page, but the export
    // names them only `withheld`; every disclosed county is exact, and the rest adds up.
    const byCounty: Money = {}
    for (const { currency, bars } of d.byCounty) for (const b of bars) plus(byCounty, `${b.key}|${currency}`, b.amount)
    const residue: Money = {}
    for (const [key, v] of Object.entries(byCounty)) {
      const currency = key.split('|')[1]
      expect(v, key).toBeGreaterThanOrEqual(want.byCounty[key] ?? 0)
      plus(residue, currency!, v - (want.byCounty[key] ?? 0))
    }
    for (const [key, v] of Object.entries(want.byCounty)) {
      const [county, currency] = key.split('|')
      if (county === 'withheld') expect(residue[currency!] ?? 0, key).toBe(v)
      else expect(byCounty[key], key).toBeDefined()
    }
  })

  it('/api/v1/traces: donation, shares, held, heldIn, refunded and coveredRefunds from the export', async () => {
    const remaining = new Map(data.lots.map((l) => [l.lot!, Number(l.amount)]))
    const traceById = new Map(data.traces.map((x) => [x.trace!, x]))
    for (const x of data.traces) {
      const n = Number(x.amount)
      if (['award', 'refund', 'dispute', 'transfer'].includes(x.kind!))
        remaining.set(x.lot!, remaining.get(x.lot!)! - n)
      const parent = x.kind === 'reversal' ? traceById.get(x.parent!)! : undefined
      if (parent?.kind === 'award' || parent?.kind === 'transfer') {
        remaining.set(x.lot!, remaining.get(x.lot!)! + n)
        if (parent.kind === 'transfer') {
          const opened = data.lots.find((l) => l.source_trace === parent.trace)!
          remaining.set(opened.lot!, remaining.get(opened.lot!)! - n)
        }
      }
    }
    const refundOf: Money = {}
    const kindOf = new Map(data.transactions.map((x) => [x.sequence!, x]))
    for (const x of data.transfers) {
      const tx = kindOf.get(x.sequence!)!
      if (tx.kind === 'refund' || tx.kind === 'dispute') plus(refundOf, JSON.parse(tx.refs!).donation, Number(x.amount))
    }
    let refunds = 0
    let covered = 0
    for (const g of data.donations) {
      // A gift of no fee is written "0", and its donation has no fee transfer.
      if (g.fee === '0') expect(data.transfers.filter((x) => x.sequence === g.sequence)).toHaveLength(1)
      const res = (await apiTrace.loader({
        request: get(`/api/v1/traces/${g.donation}`),
        params: { donation: g.donation! },
        context: {},
      } as any)) as Response
      expect(res.status, g.donation!).toBe(200)
      const body = (await res.json()) as any
      expect(body.donation).toMatchObject({
        donationRef: g.donation,
        displayName: g.display_name ?? '爱心人士',
        fund: g.fund,
        amount: Number(g.amount),
        fee: Number(g.fee),
        net: Number(g.net),
        currency: g.currency,
        paidAt: g.paid_at,
        sequence: Number(g.sequence),
      })
      const mine = data.lots.filter((l) => l.donation === g.donation)
      const heldIn: Money = {}
      for (const l of mine) if (remaining.get(l.lot!)! > 0) plus(heldIn, l.fund!, remaining.get(l.lot!)!)
      expect(body.held, `${g.donation} held`).toBe(mine.reduce((n, l) => n + remaining.get(l.lot!)!, 0))
      expect(Object.fromEntries(body.heldIn.map((h: any) => [h.fund, h.amount]))).toEqual(heldIn)
      expect(body.refunded, `${g.donation} refunded`).toBe(refundOf[g.donation!] ?? 0)
      const coveredHere = data.traces
        .filter((x) => x.donation === g.donation && (x.kind === 'refund' || x.kind === 'dispute'))
        .filter((x) => JSON.parse(kindOf.get(x.sequence!)!.refs!).donation !== g.donation)
        .reduce((n, x) => n + Number(x.amount), 0)
      expect(body.coveredRefunds, `${g.donation} covered`).toBe(coveredHere)
      // paid of each share: its payout traces less their reversals.
      const paid: Money = {}
      for (const x of data.traces.filter((x) => x.donation === g.donation)) {
        const parent = x.parent ? traceById.get(x.parent) : undefined
        if (x.kind === 'payout') plus(paid, x.beneficiary!, Number(x.amount))
        if (x.kind === 'reversal' && parent?.kind === 'payout') plus(paid, x.beneficiary!, -Number(x.amount))
      }
      const sitePaid: Money = {}
      for (const s of body.shares) plus(sitePaid, s.beneficiaryCode, s.paid)
      expect(sitePaid, `${g.donation} paid`).toEqual(paid)
      refunds += body.refunded
      covered += body.coveredRefunds
    }
    // The refund rule's two sides: a shortfall covered from fund:general, and the gifts that covered it.
    expect(refunds).toBeGreaterThan(0)
    expect(covered).toBeGreaterThan(0)
  })
})

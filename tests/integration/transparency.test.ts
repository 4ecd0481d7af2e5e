import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GENERAL_FUND, getBalance, getHead, verifyLedger } from '~/modules/ledger'
import { awardsBy, fundsOf, monthlyOf, totalsOf } from '~/modules/transparency/figures'
import { countyOfStations, type StationRow } from '~/modules/transparency/places.server'
import { getSummary, monthOf, readSummary, rebuildSummary } from '~/modules/transparency/summary.server'
import type { DB } from '~/utils/db.server'
import * as dashboardRoute from '~/routes/transparency'
import { call, get, seededDb } from '../support/auth-fixtures'
import { moreActivity } from './transparency.fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// Every figure on the dashboard equals a recomputation straight from the ledger rows,
// after a mix of every transaction kind, folded incrementally and from scratch.

type Money = Record<string, number>
const plus = (m: Money, k: string, v: number) => {
  m[k] = (m[k] ?? 0) + v
  if (m[k] === 0) delete m[k]
}

/** Independent recomputation: plain queries over the ledger rows, no summary code. */
async function recompute(db: DB) {
  const donations = await db.selectFrom('ledger_donations').selectAll().execute()
  const balances = await db.selectFrom('ledger_balances').selectAll().execute()
  const txs = await db.selectFrom('ledger_transactions').select(['sequence', 'kind', 'refs', 'corrects']).execute()
  const transfers = await db
    .selectFrom('ledger_transfers')
    .selectAll()
    .orderBy('sequence')
    .orderBy('position')
    .execute()
  const stations = (await db.selectFrom('stations').select(['id', 'code', 'level', 'path']).execute()) as StationRow[]
  const beneficiaries = await db.selectFrom('beneficiaries').select(['id', 'station_id']).execute()
  const countyOf = countyOfStations(stations)
  const county = new Map(beneficiaries.map((b) => [`payable:beneficiary:${b.id}`, countyOf(b.station_id)]))
  const totals: Record<string, Money> = {}
  const T = (c: string) => (totals[c] ??= {})
  const funds: Record<string, Money> = {}
  const F = (f: string, c: string) => (funds[`${f}|${c}`] ??= {})
  const monthly: Money = {}
  for (const d of donations) {
    plus(T(d.currency), 'raised', d.gross)
    plus(T(d.currency), 'donations', 1)
    plus(T(d.currency), 'fees', d.fee)
    plus(F(d.fund, d.currency), 'raised', d.gross)
    plus(F(d.fund, d.currency), 'donations', 1)
    plus(F(d.fund, d.currency), 'fees', d.fee)
    plus(monthly, `${new Date(Date.parse(d.paid_at) + 8 * 3_600_000).toISOString().slice(0, 7)}|${d.currency}`, d.gross)
  }
  for (const b of balances) {
    const t = T(b.currency)
    if (b.account.startsWith('fund:')) {
      plus(t, 'held', b.balance)
      plus(F(b.account, b.currency), 'held', b.balance)
    }
    if (b.account.startsWith('paid:')) plus(t, 'paid', b.balance)
    if (b.account.startsWith('payable:')) plus(t, 'awaiting', b.balance)
    if (b.account === 'external:refunds' || b.account === 'external:disputes') plus(t, 'refunded', b.balance)
  }
  for (const t of Object.values(totals)) plus(t, 'awarded', (t.paid ?? 0) + (t.awaiting ?? 0))
  const byTx = new Map(txs.map((x) => [Number(x.sequence), x]))
  const firstTransfer = new Map<number, (typeof transfers)[number]>()
  for (const t of transfers) if (t.position === 0) firstTransfer.set(Number(t.sequence), t)
  const awards: Money = {}
  for (const x of txs) {
    const award =
      x.kind === 'award'
        ? x
        : x.kind === 'correction' && byTx.get(Number(x.corrects))?.kind === 'award'
          ? byTx.get(Number(x.corrects))!
          : undefined
    if (!award) continue
    const tr = firstTransfer.get(Number(award.sequence))!
    const programme = (JSON.parse(award.refs) as Record<string, string>).programme ?? ''
    plus(
      awards,
      `${programme}|${county.get(tr.to_account) ?? ''}|${tr.currency}`,
      (x.kind === 'award' ? 1 : -1) * tr.amount,
    )
    plus(F(tr.from_account, tr.currency), 'awarded', (x.kind === 'award' ? 1 : -1) * tr.amount)
  }
  return { totals, funds, monthly, awards }
}

describe.skipIf(skipReason)(`transparency dashboard on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  const check = async () => {
    const s = await getSummary(t.db)
    const head = await getHead(t.db)
    expect(s.through).toBe(Number(head.sequence))
    expect(s.hash).toBe(head.hash)
    const want = await recompute(t.db)
    const totals = totalsOf(s)
    for (const [currency, x] of Object.entries(totals)) {
      const w = want.totals[currency]!
      for (const k of ['raised', 'donations', 'fees', 'refunded', 'awarded', 'paid', 'awaiting', 'held'] as const)
        expect(x[k], `${currency} ${k}`).toBe(w[k] ?? 0)
      expect(x.raised).toBe(x.fees + x.refunded + x.held + x.awaiting + x.paid)
    }
    expect(Object.keys(totals).sort()).toEqual(Object.keys(want.totals).sort())
    for (const f of fundsOf(s)) {
      const w = want.funds[`${f.fund}|${f.currency}`] ?? {}
      for (const k of ['raised', 'donations', 'fees', 'held', 'awarded'] as const)
        expect(f[k], `${f.fund} ${f.currency} ${k}`).toBe(w[k] ?? 0)
      expect(f.held).toBe(f.raised - f.fees - f.refunded - f.awarded + f.transfersIn - f.transfersOut)
      expect(f.held).toBe(await getBalance(t.db, f.fund, f.currency))
    }
    expect(Object.fromEntries(monthlyOf(s).map((p) => [`${p.key}|${p.currency}`, p.amount]))).toEqual(want.monthly)
    const byProgramme: Money = {}
    const byCounty: Money = {}
    for (const [k, v] of Object.entries(want.awards)) {
      const [p, c, cur] = k.split('|')
      plus(byProgramme, `${p}|${cur}`, v)
      plus(byCounty, `${c}|${cur}`, v)
    }
    expect(Object.fromEntries(awardsBy(s, 'programme').map((p) => [`${p.key}|${p.currency}`, p.amount]))).toEqual(
      byProgramme,
    )
    expect(Object.fromEntries(awardsBy(s, 'county').map((p) => [`${p.key}|${p.currency}`, p.amount]))).toEqual(byCounty)
    // Paid per fund by trace equals the payout total.
    for (const [currency, x] of Object.entries(totals)) {
      expect(
        fundsOf(s)
          .filter((f) => f.currency === currency)
          .reduce((n, f) => n + f.paid, 0),
        `${currency} paid by fund`,
      ).toBe(x.paid)
    }
    return s
  }

  it('the demo ledger verifies and the dashboard equals a recomputation from its rows', async () => {
    expect((await verifyLedger(t.db)).ok).toBe(true)
    const s = await check()
    expect(totalsOf(s).CNY!.raised).toBeGreaterThan(0)
    expect(totalsOf(s).CNY!.paid).toBeGreaterThan(0)
  })

  it('folds new activity incrementally, equal to a rebuild from scratch', async () => {
    await moreActivity(t.db, 'X1')
    const incremental = await check()
    expect(totalsOf(incremental).USD).toBeDefined()
    const rebuilt = await rebuildSummary(t.db)
    expect(rebuilt).toEqual(incremental)
    expect((await verifyLedger(t.db)).ok).toBe(true)
  })

  it('folds at most `limit` transactions per call and says which sequence its figures cover', async () => {
    await moreActivity(t.db, 'X2')
    const before = (await readSummary(t.db)).through
    const partial = await getSummary(t.db, { limit: 3, batch: 2 })
    expect(partial.through).toBe(before + 3)
    const hash = await t.db
      .selectFrom('ledger_transactions')
      .select('hash')
      .where('sequence', '=', partial.through)
      .executeTakeFirstOrThrow()
    expect(partial.hash).toBe(hash.hash)
    await check()
  })

  it('the page loader shows exactly those figures, per fund and per month', async () => {
    const o = await call(dashboardRoute.loader as any, get('/transparency'))
    expect(o.status).toBe(200)
    const d = o.body.dashboard
    const s = await getSummary(t.db)
    const cny = d.totals.find((x: { currency: string }) => x.currency === 'CNY').totals
    expect(cny).toEqual(totalsOf(s).CNY)
    expect(d.head.sequence).toBe(Number((await getHead(t.db)).sequence))
    expect(d.funds.map((f: { fund: string }) => f.fund)).toContain(GENERAL_FUND)
    const lastGift = await t.db
      .selectFrom('ledger_donations')
      .select('paid_at')
      .orderBy('paid_at', 'desc')
      .executeTakeFirstOrThrow()
    expect(d.monthly[0].bars.at(-1).key).toBe(monthOf(lastGift.paid_at))
    expect(d.byCounty[0].bars.length).toBeGreaterThan(0)
    const en = await call(dashboardRoute.loader as any, new Request('http://localhost:3000/transparency?lng=en'))
    expect(en.body.dashboard.funds.find((f: { fund: string }) => f.fund === GENERAL_FUND).name).toBe('General fund')
  })
})

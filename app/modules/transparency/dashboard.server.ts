// The /transparency dashboard: figures from the shared summary, names in the reader's language.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { Locale } from '../../utils/i18n'
import { awardsBy, fundsOf, monthlyOf, totalsOf, type FundFigures, type Totals } from './figures'
import { loadNames } from './names.server'
import { getSummary } from './summary.server'

export type Bar = { key: string; label: string; amount: number }
export type Dashboard = {
  head: { sequence: number; hash: string }
  currencies: string[]
  totals: { currency: string; totals: Totals }[]
  funds: (FundFigures & { count: number; name: string; campaign: { id: number; slug: string } | null })[]
  monthly: { currency: string; bars: Bar[] }[]
  byProgramme: { currency: string; bars: Bar[] }[]
  byCounty: { currency: string; bars: Bar[] }[]
  kinds: Record<string, number>
}

function perCurrency<T extends { currency: string }>(
  rows: T[],
  bar: (r: T) => Bar,
): { currency: string; bars: Bar[] }[] {
  const out = new Map<string, Bar[]>()
  for (const r of rows) {
    const list = out.get(r.currency) ?? []
    list.push(bar(r))
    out.set(r.currency, list)
  }
  return [...out].map(([currency, bars]) => ({ currency, bars }))
}

/** Months from the first donation to the last, gaps filled with zero, at most the last 24. */
function fillMonths(bars: Bar[]): Bar[] {
  if (!bars.length) return bars
  const have = new Map(bars.map((b) => [b.key, b.amount]))
  const out: Bar[] = []
  let [y, m] = bars[0]!.key.split('-').map(Number) as [number, number]
  const last = bars[bars.length - 1]!.key
  for (let i = 0; i < 600; i++) {
    const key = `${y}-${String(m).padStart(2, '0')}`
    out.push({ key, label: key, amount: have.get(key) ?? 0 })
    if (key >= last) break
    m++
    if (m > 12) {
      m = 1
      y++
    }
  }
  return out.slice(-24)
}

/** One row per campaign fund and the general fund; every sponsorship (or wish) fund summed into one row. */
function collapseFunds(funds: FundFigures[]): (FundFigures & { count: number })[] {
  const out: (FundFigures & { count: number })[] = []
  const groups = new Map<string, FundFigures & { count: number }>()
  for (const f of funds) {
    const kind = /^fund:(sponsorship|wish):/.exec(f.fund)?.[1]
    if (!kind) {
      out.push({ ...f, count: 0 })
      continue
    }
    const key = `fund:${kind}:*|${f.currency}`
    const g = groups.get(key)
    if (!g) groups.set(key, { ...f, fund: `fund:${kind}:*`, count: 1 })
    else {
      for (const k of [
        'raised',
        'donations',
        'fees',
        'refunded',
        'awarded',
        'paid',
        'awaiting',
        'held',
        'transfersIn',
        'transfersOut',
      ] as const)
        g[k] += f[k]
      g.count++
    }
  }
  return [...out, ...groups.values()]
}

export async function getDashboard(db: Kysely<Database>, locale: Locale): Promise<Dashboard> {
  const [s, names] = await Promise.all([getSummary(db, { limit: 20_000 }), loadNames(db, locale)])
  const totals = totalsOf(s)
  const currencies = Object.keys(totals).sort((a, b) => (a === 'CNY' ? -1 : b === 'CNY' ? 1 : a < b ? -1 : 1))
  return {
    head: { sequence: s.through, hash: s.hash },
    currencies,
    totals: currencies.map((currency) => ({ currency, totals: totals[currency]! })),
    funds: collapseFunds(fundsOf(s)).map((f) => ({
      ...f,
      name: f.count
        ? names.fundGroup(f.fund === 'fund:sponsorship:*' ? 'sponsorship' : 'wish', f.count)
        : names.fund(f.fund),
      campaign: names.campaignOfFund(f.fund) ?? null,
    })),
    monthly: perCurrency(monthlyOf(s), (p) => ({ key: p.key, label: p.key, amount: p.amount })).map((x) => ({
      ...x,
      bars: fillMonths(x.bars),
    })),
    byProgramme: perCurrency(awardsBy(s, 'programme'), (p) => ({
      key: p.key,
      label: names.programme(p.key),
      amount: p.amount,
    })),
    byCounty: perCurrency(awardsBy(s, 'county'), (p) => ({ key: p.key, label: names.county(p.key), amount: p.amount })),
    kinds: s.kinds,
  }
}

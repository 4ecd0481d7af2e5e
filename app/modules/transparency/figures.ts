// Figures derived from a Summary: pure functions, shared by the dashboard, the API and tests.
import type { Summary } from './summary.server'

export type Totals = {
  /** Gross given by donors. */
  raised: number
  donations: number
  /** Payment processors' fees. */
  fees: number
  /** Returned to donors (refunds) or lost in card disputes. */
  refunded: number
  /** Awarded to students, net of corrections (paid or awaiting payout). */
  awarded: number
  /** Paid out to students. */
  paid: number
  /** Awarded, not yet paid out. */
  awaiting: number
  /** Still held in funds, not yet awarded. */
  held: number
}

export type FundFigures = Totals & { fund: string; currency: string; transfersIn: number; transfersOut: number }

const zero = (): Totals => ({
  raised: 0,
  donations: 0,
  fees: 0,
  refunded: 0,
  awarded: 0,
  paid: 0,
  awaiting: 0,
  held: 0,
})
const isFundGroup = (g: string) => g.startsWith('fund:')

function split(key: string): string[] {
  return key.split('|')
}

/** Totals per currency. raised = fees + refunded + held + awaiting + paid, since the books net to zero. */
export function totalsOf(s: Summary): Record<string, Totals> {
  const out: Record<string, Totals> = {}
  const of = (c: string) => (out[c] ??= zero())
  for (const [key, amount] of Object.entries(s.flows)) {
    const [from, to, currency] = split(key) as [string, string, string]
    const t = of(currency)
    if (from === 'external:donors') t.raised += amount
    if (to === 'external:fees') t.fees += amount
    if (to === 'external:refunds' || to === 'external:disputes') t.refunded += amount
    if (isFundGroup(from) && to === 'payable') t.awarded += amount
    if (from === 'payable' && isFundGroup(to)) t.awarded -= amount
    if (from === 'payable' && to === 'paid') t.paid += amount
    if (from === 'paid' && to === 'payable') t.paid -= amount
    if (isFundGroup(to)) t.held += amount
    if (isFundGroup(from)) t.held -= amount
  }
  for (const [key, n] of Object.entries(s.donations)) of(split(key)[1]!).donations += n
  for (const t of Object.values(out)) t.awaiting = t.awarded - t.paid
  return out
}

/** One row per fund and currency, in account-code order. */
export function fundsOf(s: Summary): FundFigures[] {
  const out = new Map<string, FundFigures>()
  const of = (fund: string, currency: string) => {
    const key = `${fund}|${currency}`
    let f = out.get(key)
    if (!f) out.set(key, (f = { ...zero(), fund, currency, transfersIn: 0, transfersOut: 0 }))
    return f
  }
  for (const [key, amount] of Object.entries(s.flows)) {
    const [from, to, currency] = split(key) as [string, string, string]
    if (isFundGroup(to)) {
      const f = of(to, currency)
      f.held += amount
      if (from === 'external:donors') f.raised += amount
      else if (isFundGroup(from)) f.transfersIn += amount
      else if (from === 'payable') f.awarded -= amount
    }
    if (isFundGroup(from)) {
      const f = of(from, currency)
      f.held -= amount
      if (to === 'external:fees') f.fees += amount
      else if (to === 'external:refunds' || to === 'external:disputes') f.refunded += amount
      else if (to === 'payable') f.awarded += amount
      else if (isFundGroup(to)) f.transfersOut += amount
    }
  }
  for (const [key, n] of Object.entries(s.donations)) {
    const [fund, currency] = split(key) as [string, string]
    of(fund, currency).donations += n
  }
  for (const [key, amount] of Object.entries(s.paid)) {
    const [fund, currency] = split(key) as [string, string]
    of(fund, currency).paid += amount
  }
  for (const f of out.values()) f.awaiting = f.awarded - f.paid
  return [...out.values()].sort((a, b) =>
    a.fund < b.fund ? -1 : a.fund > b.fund ? 1 : a.currency < b.currency ? -1 : 1,
  )
}

export type Point = { key: string; currency: string; amount: number }

/** Gross raised per month (China time), oldest first. */
export function monthlyOf(s: Summary): Point[] {
  return Object.entries(s.monthly)
    .map(([k, amount]) => {
      const [key, currency] = split(k) as [string, string]
      return { key, currency, amount }
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** Awarded (net of corrections) by programme or by county, largest first. */
export function awardsBy(s: Summary, by: 'programme' | 'county'): Point[] {
  const out = new Map<string, Point>()
  for (const [k, amount] of Object.entries(s.awards)) {
    const [programme, county, currency] = split(k) as [string, string, string]
    const key = by === 'programme' ? programme : county
    const p = out.get(`${key}|${currency}`) ?? { key, currency, amount: 0 }
    p.amount += amount
    out.set(`${key}|${currency}`, p)
  }
  return [...out.values()].filter((p) => p.amount !== 0).sort((a, b) => b.amount - a.amount || (a.key < b.key ? -1 : 1))
}

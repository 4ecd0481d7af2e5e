import { sql } from 'kysely'
import { addDays, addMonths } from '~/utils/calendar-day'
import { dialectOf, type DB } from '~/utils/db.server'
import { chinaDate, chinaDayStart } from '~/utils/i18n'

// The finance page's figures (/admin/finance): today, this month and this year in China
// time. A gift counts on the China day it was paid (whatever befell it later); a refund or
// dispute on the day it happened; a payout to students on the day it was recorded paid.
// Every figure is an integer count of minor units, per currency (never summed across).

export type PeriodName = 'today' | 'month' | 'year'
export type Period = { name: PeriodName; from: string; to: string; start: string; end: string }

/** The three periods around `now`: China calendar days [start, end) and their UTC instants. */
export function financePeriods(now: Date = new Date()): Period[] {
  const today = chinaDate(now)
  const month = `${today.slice(0, 7)}-01`
  const year = `${today.slice(0, 4)}-01-01`
  const span = (name: PeriodName, start: string, end: string): Period => ({
    name,
    start,
    end,
    from: chinaDayStart(start),
    to: chinaDayStart(end),
  })
  return [
    span('today', today, addDays(today, 1)),
    span('month', month, addMonths(month, 1)),
    span('year', year, `${Number(today.slice(0, 4)) + 1}-01-01`),
  ]
}

export type Sums = { currency: string; count: number; gross: number; fees: number; net: number }
export type ByMethod = Sums & { method: string }
export type ByPurpose = Sums & {
  campaignId: number | null
  designation: string
  campaign_title: string | null
  campaign_title_en: string | null
}
export type Moved = { currency: string; count: number; amount: number }

export type PeriodFigures = {
  period: Period
  gifts: Sums[]
  byMethod: ByMethod[]
  byPurpose: ByPurpose[]
  refunds: Moved[]
  disputes: Moved[]
  payouts: Moved[]
}

const n = (v: unknown) => Number(v ?? 0)

function giftSums(db: DB, p: Period) {
  return db
    .selectFrom('donations as d')
    .where('d.paid_at', '>=', p.from)
    .where('d.paid_at', '<', p.to)
    .select((eb) => [
      'd.currency',
      eb.fn.countAll<number>().as('count'),
      eb.fn.coalesce(eb.fn.sum<number>('d.amount'), sql<number>`0`).as('gross'),
      eb.fn.coalesce(eb.fn.sum<number>(eb.fn.coalesce('d.fee_amount', sql<number>`0`)), sql<number>`0`).as('fees'),
    ])
}

const sums = (r: { currency: string; count: unknown; gross: unknown; fees: unknown }): Sums => ({
  currency: r.currency,
  count: n(r.count),
  gross: n(r.gross),
  fees: n(r.fees),
  net: n(r.gross) - n(r.fees),
})

async function reversals(db: DB, p: Period, kind: 'refund' | 'dispute'): Promise<Moved[]> {
  const rows = await db
    .selectFrom('donation_reversals')
    .where('occurred_at', '>=', p.from)
    .where('occurred_at', '<', p.to)
    .where('kind', '=', kind)
    .select((eb) => ['currency', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('amount').as('amount')])
    .groupBy('currency')
    .orderBy('currency')
    .execute()
  return rows.map((r) => ({ currency: r.currency, count: n(r.count), amount: n(r.amount) }))
}

/** The figures of one period. */
export async function periodFigures(db: DB, period: Period): Promise<PeriodFigures> {
  const [gifts, byMethod, byPurpose, refunds, disputes, payouts] = await Promise.all([
    giftSums(db, period).groupBy('d.currency').orderBy('d.currency').execute(),
    giftSums(db, period)
      .select('d.provider')
      .groupBy(['d.provider', 'd.currency'])
      .orderBy('d.provider')
      .orderBy('d.currency')
      .execute(),
    giftSums(db, period)
      .leftJoin('campaigns as c', 'c.id', 'd.campaign_id')
      .select(['d.campaign_id', 'd.designation', 'c.title as campaign_title', 'c.title_en as campaign_title_en'])
      .groupBy(['d.campaign_id', 'd.designation', 'c.title', 'c.title_en', 'd.currency'])
      .orderBy('d.campaign_id')
      .orderBy('d.designation')
      .orderBy('d.currency')
      .execute(),
    reversals(db, period, 'refund'),
    reversals(db, period, 'dispute'),
    db
      .selectFrom('award_batches')
      .where('status', '=', 'paid')
      .where('paid_at', '>=', period.from)
      .where('paid_at', '<', period.to)
      .select((eb) => [
        'currency',
        eb.fn.countAll<number>().as('count'),
        eb.fn.sum<number>('total_amount').as('amount'),
      ])
      .groupBy('currency')
      .orderBy('currency')
      .execute(),
  ])
  return {
    period,
    gifts: gifts.map(sums),
    byMethod: byMethod.map((r) => ({ ...sums(r), method: r.provider })),
    byPurpose: byPurpose.map((r) => ({
      ...sums(r),
      campaignId: r.campaign_id === null ? null : n(r.campaign_id),
      designation: r.designation,
      campaign_title: r.campaign_title,
      campaign_title_en: r.campaign_title_en,
    })),
    refunds,
    disputes,
    payouts: payouts.map((r) => ({ currency: r.currency, count: n(r.count), amount: n(r.amount) })),
  }
}

/** Gross per China day of a period in one currency, every day present (0 where nothing came): the chart. */
export async function dailyGross(
  db: DB,
  period: Period,
  currency: string,
): Promise<{ day: string; gross: number; count: number }[]> {
  const day =
    dialectOf(db) === 'postgres'
      ? sql<string>`to_char((d.paid_at::timestamptz) at time zone 'Asia/Shanghai', 'YYYY-MM-DD')`
      : sql<string>`substr(datetime(d.paid_at, '+8 hours'), 1, 10)`
  const rows = await db
    .selectFrom('donations as d')
    .where('d.paid_at', '>=', period.from)
    .where('d.paid_at', '<', period.to)
    .where('d.currency', '=', currency)
    .select((eb) => [day.as('day'), eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('d.amount').as('gross')])
    .groupBy(day)
    .execute()
  const byDay = new Map(rows.map((r) => [r.day, r]))
  const out: { day: string; gross: number; count: number }[] = []
  for (let d = period.start; d < period.end; d = addDays(d, 1)) {
    const r = byDay.get(d)
    out.push({ day: d, gross: n(r?.gross), count: n(r?.count) })
  }
  return out
}

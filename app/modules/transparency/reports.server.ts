// Disclosure reports (Charity Law practice): while a campaign runs, a report at least
// every three months; a final one within three months after it ends. Each report is a
// frozen statement of the campaign's fund over ledger sequences (from, to], so the
// reports of a campaign add up to its whole history and anyone can recompute them
// from the open data.
import type { Kysely, Selectable } from 'kysely'
import type { CampaignsTable, Database } from '../../../db/schema'
import type { DisclosureReportsTable } from '../../../db/tables/transparency'
import { fundOfCampaign, getHead } from '../ledger'
import { groupOf } from './summary.server'

type Db = Kysely<Database>

export type ReportFigures = {
  currency: string
  opening: number
  income: number
  donations: number
  fees: number
  refunds: number
  awards: number
  payouts: number
  transfersIn: number
  transfersOut: number
  closing: number
}

const blank = (currency: string): ReportFigures => ({
  currency,
  opening: 0,
  income: 0,
  donations: 0,
  fees: 0,
  refunds: 0,
  awards: 0,
  payouts: 0,
  transfersIn: 0,
  transfersOut: 0,
  closing: 0,
})

/** The fund's statement over sequences (from, to]: recomputed from ledger rows. */
export async function reportFigures(db: Db, fund: string, from: number, to: number): Promise<ReportFigures[]> {
  const out = new Map<string, ReportFigures>()
  const of = (c: string) => out.get(c) ?? out.set(c, blank(c)).get(c)!
  const flows = async (lo: number, hi: number) => {
    const side = (col: 'from_account' | 'to_account') =>
      db
        .selectFrom('ledger_transfers')
        .select((eb) => ['from_account', 'to_account', 'currency', eb.fn.sum<number>('amount').as('amount')])
        .where(col, '=', fund)
        .where('sequence', '>', lo)
        .where('sequence', '<=', hi)
        .groupBy(['from_account', 'to_account', 'currency'])
        .execute()
    return [...(await side('from_account')), ...(await side('to_account'))]
  }
  for (const r of await flows(0, from)) {
    const f = of(r.currency)
    f.opening += (r.to_account === fund ? 1 : -1) * Number(r.amount)
  }
  for (const r of await flows(from, to)) {
    const f = of(r.currency)
    const amount = Number(r.amount)
    const [a, b] = [groupOf(r.from_account), groupOf(r.to_account)]
    if (b === fund) {
      if (a === 'external:donors') f.income += amount
      else if (a === 'payable') f.awards -= amount
      else f.transfersIn += amount
    } else {
      if (b === 'external:fees') f.fees += amount
      else if (b === 'external:refunds' || b === 'external:disputes') f.refunds += amount
      else if (b === 'payable') f.awards += amount
      else f.transfersOut += amount
    }
  }
  const donations = await db
    .selectFrom('ledger_donations')
    .select((eb) => ['currency', eb.fn.countAll<number>().as('n')])
    .where('fund', '=', fund)
    .where('sequence', '>', from)
    .where('sequence', '<=', to)
    .groupBy('currency')
    .execute()
  for (const d of donations) of(d.currency).donations = Number(d.n)
  // Paid to students out of this fund's money: payout trace rows on the fund's lots, less reversed payouts.
  const paid = await db
    .selectFrom('ledger_traces as t')
    .innerJoin('ledger_lots as l', 'l.id', 't.lot_id')
    .leftJoin('ledger_traces as p', 'p.id', 't.parent_id')
    .select((eb) => ['t.currency', 't.kind', 'p.kind as parent_kind', eb.fn.sum<number>('t.amount').as('amount')])
    .where('l.fund', '=', fund)
    .where('t.sequence', '>', from)
    .where('t.sequence', '<=', to)
    .where('t.kind', 'in', ['payout', 'reversal'])
    .groupBy(['t.currency', 't.kind', 'p.kind'])
    .execute()
  for (const p of paid) {
    if (p.kind === 'payout') of(p.currency).payouts += Number(p.amount)
    else if (p.parent_kind === 'payout') of(p.currency).payouts -= Number(p.amount)
  }
  for (const f of out.values())
    f.closing = f.opening + f.income - f.fees - f.refunds - f.awards + f.transfersIn - f.transfersOut
  if (!out.size) out.set('CNY', blank('CNY'))
  return [...out.values()]
}

export type PublishedReport = {
  id: number
  campaign: { id: number; slug: string; title: string; titleEn: string }
  number: number
  final: boolean
  periodStart: string
  periodEnd: string
  fromSequence: number
  toSequence: number
  headHash: string
  figures: ReportFigures[]
  note: string
  publishedAt: string
}

const REPORT_COLUMNS = [
  'r.id',
  'r.number',
  'r.final',
  'r.period_start',
  'r.period_end',
  'r.from_sequence',
  'r.to_sequence',
  'r.head_hash',
  'r.figures',
  'r.note',
  'r.published_at',
  'c.id as campaign_id',
  'c.slug',
  'c.title',
  'c.title_en',
] as const

type ReportRow = Omit<Selectable<DisclosureReportsTable>, 'published_by'> &
  Pick<Selectable<CampaignsTable>, 'slug' | 'title' | 'title_en'>

function toReport(r: ReportRow): PublishedReport {
  return {
    id: Number(r.id),
    campaign: { id: Number(r.campaign_id), slug: r.slug, title: r.title, titleEn: r.title_en },
    number: Number(r.number),
    final: Number(r.final) === 1,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    fromSequence: Number(r.from_sequence),
    toSequence: Number(r.to_sequence),
    headHash: r.head_hash,
    figures: JSON.parse(r.figures),
    note: r.note,
    publishedAt: r.published_at,
  }
}

/** Published reports, newest first (optionally of one campaign). */
export async function listReports(db: Db, campaignSlug?: string): Promise<PublishedReport[]> {
  let q = db
    .selectFrom('disclosure_reports as r')
    .innerJoin('campaigns as c', 'c.id', 'r.campaign_id')
    .select(REPORT_COLUMNS)
  if (campaignSlug) q = q.where('c.slug', '=', campaignSlug)
  return (await q.orderBy('r.published_at', 'desc').orderBy('r.id', 'desc').limit(500).execute()).map(toReport)
}

export async function getReport(db: Db, campaignSlug: string, number: number): Promise<PublishedReport | undefined> {
  const r = await db
    .selectFrom('disclosure_reports as r')
    .innerJoin('campaigns as c', 'c.id', 'r.campaign_id')
    .select(REPORT_COLUMNS)
    .where('c.slug', '=', campaignSlug)
    .where('r.number', '=', number)
    .executeTakeFirst()
  return r ? toReport(r) : undefined
}

export const addMonths = (iso: string, months: number): string => {
  const d = new Date(iso)
  const day = d.getUTCDate()
  d.setUTCDate(1)
  d.setUTCMonth(d.getUTCMonth() + months)
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()
  d.setUTCDate(Math.min(day, last))
  return d.toISOString()
}

export type ReportStatus = 'complete' | 'overdue' | 'due' | 'upcoming'
export type ScheduleRow = {
  campaign: {
    id: number
    slug: string
    title: string
    titleEn: string
    startsAt: string
    endsAt: string | null
    status: string
  }
  published: number
  lastPublishedAt: string | null
  next: { final: boolean; dueAt: string } | null
  status: ReportStatus
}

/** What each campaign owes: the next report, when it is due, and whether it is late. */
export function scheduleOf(
  c: ScheduleRow['campaign'],
  reports: { number: number; final: boolean; periodEnd: string; publishedAt: string }[],
  now: Date,
): ScheduleRow {
  const last = [...reports].sort((a, b) => b.number - a.number)[0]
  const base = { campaign: c, published: reports.length, lastPublishedAt: last?.publishedAt ?? null }
  if (reports.some((r) => r.final)) return { ...base, next: null, status: 'complete' }
  const ended = c.status === 'closed' || (c.endsAt !== null && Date.parse(c.endsAt) <= now.getTime())
  const since = last?.periodEnd ?? c.startsAt
  let next: { final: boolean; dueAt: string }
  const periodic = addMonths(since, 3)
  // A periodic report falls due while the campaign runs; a missed one stays overdue after the end.
  if (c.endsAt && periodic >= c.endsAt) next = { final: true, dueAt: addMonths(c.endsAt, 3) }
  else if (ended && !c.endsAt) next = { final: true, dueAt: periodic }
  else next = { final: false, dueAt: periodic }
  const due = Date.parse(next.dueAt)
  const status: ReportStatus =
    now.getTime() > due ? 'overdue' : now.getTime() >= due - 30 * 86_400_000 || ended ? 'due' : 'upcoming'
  return { ...base, next, status }
}

/** Every non-draft campaign within the station scope (path prefixes), with its schedule. */
export async function reportSchedule(db: Db, scope: string[], now = new Date()): Promise<ScheduleRow[]> {
  const campaigns = await db
    .selectFrom('campaigns as c')
    .leftJoin('stations as s', 's.id', 'c.station_id')
    .select(['c.id', 'c.slug', 'c.title', 'c.title_en', 'c.starts_at', 'c.ends_at', 'c.status', 's.path'])
    .where('c.status', '!=', 'draft')
    .orderBy('c.id')
    .execute()
  const visible = campaigns.filter((c) =>
    scope.some((p) => (c.path ?? '/').startsWith(p) || (c.path === null && p.split('/').filter(Boolean).length === 1)),
  )
  const reports = await db
    .selectFrom('disclosure_reports')
    .select(['campaign_id', 'number', 'final', 'period_end', 'published_at'])
    .execute()
  return visible.map((c) =>
    scheduleOf(
      {
        id: Number(c.id),
        slug: c.slug,
        title: c.title,
        titleEn: c.title_en,
        startsAt: c.starts_at,
        endsAt: c.ends_at,
        status: c.status,
      },
      reports
        .filter((r) => Number(r.campaign_id) === Number(c.id))
        .map((r) => ({
          number: Number(r.number),
          final: Number(r.final) === 1,
          periodEnd: r.period_end,
          publishedAt: r.published_at,
        })),
      now,
    ),
  )
}

/** Freeze the campaign's next report at the current chain head. */
export async function publishReport(
  db: Db,
  input: { campaignId: number; userId: number | null; note?: string; now?: Date },
): Promise<PublishedReport> {
  const now = input.now ?? new Date()
  const id = await db.transaction().execute(async (trx) => {
    const c = await trx
      .selectFrom('campaigns')
      .select(['id', 'slug', 'starts_at', 'ends_at', 'status'])
      .where('id', '=', input.campaignId)
      .where('status', '!=', 'draft')
      .executeTakeFirstOrThrow()
    const last = await trx
      .selectFrom('disclosure_reports')
      .select(['number', 'final', 'to_sequence', 'period_end'])
      .where('campaign_id', '=', c.id)
      .orderBy('number', 'desc')
      .executeTakeFirst()
    if (last && Number(last.final) === 1) throw new Error('the final report of this campaign is already published')
    const head = await getHead(trx)
    const from = Number(last?.to_sequence ?? 0)
    const to = Number(head.sequence)
    const final = c.status === 'closed' || (c.ends_at !== null && Date.parse(c.ends_at) <= now.getTime())
    const fund = fundOfCampaign(Number(c.id))
    const figures = await reportFigures(trx, fund, from, to)
    // The period and the figures agree by one stated rule (tp.report.periodRule): every entry
    // counted is dated (paid, China time) within the period. Entries are counted once, in the
    // order recorded, so a gift recorded now but paid earlier (an offline gift, the seed's
    // history) moves the period's start back to its payment date.
    const earliest = await trx
      .selectFrom('ledger_transactions as t')
      .innerJoin('ledger_transfers as x', 'x.sequence', 't.sequence')
      .select((eb) => eb.fn.min<string>('t.occurred_at').as('at'))
      .where((eb) => eb.or([eb('x.from_account', '=', fund), eb('x.to_account', '=', fund)]))
      .where('t.sequence', '>', from)
      .where('t.sequence', '<=', to)
      .executeTakeFirst()
    const since = last?.period_end ?? c.starts_at
    const periodStart = earliest?.at && Date.parse(earliest.at) < Date.parse(since) ? earliest.at : since
    const row = await trx
      .insertInto('disclosure_reports')
      .values({
        campaign_id: Number(c.id),
        number: Number(last?.number ?? 0) + 1,
        final: final ? 1 : 0,
        period_start: periodStart,
        period_end: now.toISOString(),
        from_sequence: from,
        to_sequence: to,
        head_hash: head.hash,
        figures: JSON.stringify(figures),
        note: (input.note ?? '').slice(0, 2000),
        published_at: now.toISOString(),
        published_by: input.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return Number(row.id)
  })
  const r = await db
    .selectFrom('disclosure_reports as r')
    .innerJoin('campaigns as c', 'c.id', 'r.campaign_id')
    .select(REPORT_COLUMNS)
    .where('r.id', '=', id)
    .executeTakeFirstOrThrow()
  return toReport(r)
}

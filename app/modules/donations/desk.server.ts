import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely'
import { z } from 'zod'
import { addDays } from '~/utils/calendar-day'
import type { DB } from '~/utils/db.server'
import { chinaDayStart, isMessageKey, type MessageKey } from '~/utils/i18n'
import { invariant } from '~/utils/invariant'
import { parseMoney } from '~/utils/money'
import type { Database } from '../../../db/schema'
import type { DonationStatus, DonationsTable, PaymentProvider } from '../../../db/tables/giving'
import { DONATION_TRANSITIONS } from './lifecycle.server'

// The donation desk's list (/admin/donations and its CSV export): one filter schema, one
// query, keyset-paged newest first. Staff with donations.read only; the route audits each view.

export const DESK_STATUSES = Object.keys(DONATION_TRANSITIONS) as DonationStatus[]
export const DESK_METHODS = ['stripe', 'demo', 'offline', 'import'] as const satisfies readonly PaymentProvider[]
export const PAGE_SIZE = 50

const DAY = /^\d{4}-\d{2}-\d{2}$/
/** An empty form field means "no filter". */
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional())
const day = z
  .string()
  .regex(DAY, 'desk.error.date')
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00+08:00`)), 'desk.error.date')

/** Query parameters of the list and the export; messages are catalogue keys. */
export const DeskQuery = z
  .object({
    q: optional(z.string().trim().max(200, 'desk.error.q')),
    campaign: optional(
      z.union([z.literal('none'), z.coerce.number().int().positive()], { message: 'desk.error.campaign' }),
    ),
    status: optional(z.enum(DESK_STATUSES as [DonationStatus, ...DonationStatus[]], { message: 'desk.error.status' })),
    method: optional(z.enum(DESK_METHODS, { message: 'desk.error.method' })),
    currency: optional(z.string().regex(/^[A-Z]{3}$/, 'desk.error.currency')),
    frequency: optional(z.enum(['once', 'monthly'], { message: 'desk.error.frequency' })),
    from: optional(day),
    to: optional(day),
    // Amounts as people type them (yuan, "1,000.50"), kept as typed so links carry them back;
    // read in minor units by amountBounds() once the currency is known.
    min: optional(z.string().trim().max(20, 'desk.error.amount').refine(isAmount, 'desk.error.amount')),
    max: optional(z.string().trim().max(20, 'desk.error.amount').refine(isAmount, 'desk.error.amount')),
    before: optional(z.coerce.number({ message: 'desk.error.before' }).int().positive('desk.error.before')),
  })
  .strict('desk.error.unknown')
  .refine((v) => !v.from || !v.to || v.from <= v.to, { path: ['to'], message: 'desk.error.range' })
  .superRefine((v, ctx) => {
    const { currency = 'CNY' } = v
    for (const k of ['min', 'max'] as const)
      if (v[k] !== undefined && parseMoney(v[k], currency) === undefined)
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [k], message: 'desk.error.amountDigits' })
    const { min, max } = amountBounds(v)
    if (min !== undefined && max !== undefined && min > max)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['max'], message: 'desk.error.amountRange' })
  })

export type DeskFilters = z.infer<typeof DeskQuery>

/** A plausible amount before the currency is known (up to three decimals, as BHD has; the currency's own are checked afterwards). */
function isAmount(v: string): boolean {
  return parseMoney(v, 'BHD') !== undefined
}

/**
 * The amount range in minor units: typed in the chosen currency (yuan when none is chosen),
 * parsed with integer arithmetic (parseMoney), bounds included.
 */
export function amountBounds(f: Pick<DeskFilters, 'min' | 'max' | 'currency'>): { min?: number; max?: number } {
  const currency = f.currency ?? 'CNY'
  const read = (v: string | undefined) => (v === undefined ? undefined : parseMoney(v, currency))
  return { min: read(f.min), max: read(f.max) }
}

/** Parse URL search params; the first problem as { field, message } (a 400), never a throw. */
export function parseDeskQuery(
  params: URLSearchParams,
): { ok: true; filters: DeskFilters } | { ok: false; field: string; message: MessageKey; filters: DeskFilters } {
  const raw: Record<string, string> = {}
  for (const [k, v] of params) raw[k] = v
  const parsed = DeskQuery.safeParse(raw)
  if (parsed.success) return { ok: true, filters: parsed.data }
  const issue = parsed.error.issues[0]!
  const field = issue.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : String(issue.path[0] ?? '')
  const message = isMessageKey(issue.message) ? issue.message : 'desk.error.unknown'
  return { ok: false, field, message, filters: {} }
}

type WithD = Database & { d: DonationsTable }
type Q = SelectQueryBuilder<WithD, 'd', object>

const likePrefix = (q: string) => q.replace(/[\\%_]/g, '\\$&') + '%'

/**
 * A filter set ready to query: the filters, and the gifts the search names through other
 * tables (a receipt number, a refund's or dispute's reference), looked up first so that the
 * search below is an OR of indexed equalities on donations alone (both dialects can then
 * use an index per term; a subquery inside an OR makes PostgreSQL scan every donation).
 */
type Resolved = { f: DeskFilters; named: number[] }

async function resolve(db: DB, f: DeskFilters): Promise<Resolved> {
  if (!f.q || f.q.includes('@')) return { f, named: [] }
  const q = f.q
  const [receipts, reversals] = await Promise.all([
    db.selectFrom('receipts').select('donation_id as id').where('number', '=', q.toUpperCase()).execute(),
    db.selectFrom('donation_reversals').select('donation_id as id').where('provider_ref', '=', q).execute(),
  ])
  return { f, named: [...new Set([...receipts, ...reversals].map((r) => Number(r.id)))] }
}

/** The search box: an email (exact, case-insensitive), else any key that names a gift. */
function searchCondition(eb: ExpressionBuilder<WithD, 'd'>, q: string, named: number[]) {
  if (q.includes('@')) return eb('d.donor_email', '=', q.toLowerCase())
  // A name prefix: a plain LIKE uses the name index (SQLite needs LIKE without ESCAPE for
  // that); a search holding a wildcard character escapes it and does without the index.
  const name = /[\\%_]/.test(q)
    ? sql<boolean>`${eb.ref('d.donor_name')} like ${likePrefix(q)} escape '\\'`
    : eb('d.donor_name', 'like', `${q}%`)
  return eb.or([
    eb('d.public_id', '=', q.toUpperCase()),
    eb('d.provider_payment_intent_id', '=', q),
    eb('d.provider_charge_id', '=', q),
    eb('d.provider_session_id', '=', q),
    eb('d.provider_invoice_id', '=', q),
    eb('d.source_ref', '=', q),
    ...(named.length ? [eb('d.id', 'in', named)] : []),
    name,
  ])
}

function applyFilters(query: Q, { f, named }: Resolved): Q {
  let q = query
  if (f.q) {
    const term = f.q
    q = q.where((eb) => searchCondition(eb, term, named))
  }
  if (f.campaign === 'none') q = q.where('d.campaign_id', 'is', null)
  else if (f.campaign) q = q.where('d.campaign_id', '=', f.campaign)
  if (f.status) q = q.where('d.status', '=', f.status)
  if (f.method) q = q.where('d.provider', '=', f.method)
  if (f.currency) q = q.where('d.currency', '=', f.currency)
  if (f.frequency) q = q.where('d.frequency', '=', f.frequency)
  // Dates are China calendar days of the payment: a gift not paid has no such day.
  if (f.from) q = q.where('d.paid_at', '>=', chinaDayStart(f.from))
  if (f.to) q = q.where('d.paid_at', '<', chinaDayStart(addDays(f.to, 1)))
  const { min, max } = amountBounds(f)
  invariant((f.min === undefined) === (min === undefined), 'desk filters were not parsed by DeskQuery')
  invariant((f.max === undefined) === (max === undefined), 'desk filters were not parsed by DeskQuery')
  if (min !== undefined) q = q.where('d.amount', '>=', min)
  if (max !== undefined) q = q.where('d.amount', '<=', max)
  return q
}

function listQuery(db: DB) {
  return db
    .selectFrom('donations as d')
    .leftJoin('campaigns as c', 'c.id', 'd.campaign_id')
    .select([
      'd.id',
      'd.public_id',
      'd.status',
      'd.frequency',
      'd.designation',
      'd.fund',
      'd.amount',
      'd.fee_amount',
      'd.refunded_amount',
      'd.currency',
      'd.donor_name',
      'd.donor_email',
      'd.provider',
      'd.provider_session_id',
      'd.provider_payment_intent_id',
      'd.provider_charge_id',
      'd.provider_invoice_id',
      'd.source_ref',
      'd.created_at',
      'd.paid_at',
      'c.title as campaign_title',
      'c.title_en as campaign_title_en',
      (eb) =>
        eb
          .selectFrom('receipts as r')
          .select('r.number')
          .whereRef('r.donation_id', '=', 'd.id')
          .where('r.voided_at', 'is', null)
          .orderBy('r.id', 'desc')
          .limit(1)
          .as('receipt_number'),
    ])
    .orderBy('d.id', 'desc')
}

export type DeskRow = Awaited<ReturnType<ReturnType<typeof listQuery>['execute']>>[number]

/**
 * One page of ids, then their rows: the ids come from an index alone (a campaign's month is
 * ~100,000 index entries at a million gifts, sorted by id without reading a row), and only
 * the page's rows are read whole.
 */
async function pageOf(db: DB, r: Resolved, limit: number): Promise<{ rows: DeskRow[]; next: number | null }> {
  let ids = applyFilters(db.selectFrom('donations as d'), r)
    .select('d.id')
    .orderBy('d.id', 'desc')
    .limit(limit + 1)
  if (r.f.before) ids = ids.where('d.id', '<', r.f.before)
  const found = (await ids.execute()).map((x) => Number(x.id))
  const page = found.slice(0, limit)
  if (!page.length) return { rows: [], next: null }
  const rows = await listQuery(db).where('d.id', 'in', page).execute()
  return { rows, next: found.length > limit ? page[page.length - 1]! : null }
}

/** One page, newest first; `next` is the `before` of the following page. */
export async function listDeskDonations(
  db: DB,
  f: DeskFilters,
  limit = PAGE_SIZE,
): Promise<{ rows: DeskRow[]; next: number | null }> {
  return pageOf(db, await resolve(db, f), limit)
}

/** Every row of the filtered list (ignoring `before`), in pages of `chunk`: for the export. */
export async function* eachDeskDonation(db: DB, f: DeskFilters, chunk = 500): AsyncGenerator<DeskRow> {
  const r = await resolve(db, { ...f, before: undefined })
  for (;;) {
    const { rows, next } = await pageOf(db, r, chunk)
    yield* rows
    if (next === null) return
    r.f = { ...r.f, before: next }
  }
}

export type DeskTotal = { currency: string; count: number; amount: number; fee: number; refunded: number }

/** The filtered set's totals per currency (all pages). */
export async function deskTotals(db: DB, f: DeskFilters): Promise<DeskTotal[]> {
  if (!f.q && f.min === undefined && f.max === undefined) return dayTotals(db, f)
  const rows = await applyFilters(db.selectFrom('donations as d'), await resolve(db, { ...f, before: undefined }))
    .select((eb) => [
      'd.currency',
      eb.fn.countAll<number>().as('count'),
      eb.fn.coalesce(eb.fn.sum<number>('d.amount'), sql<number>`0`).as('amount'),
      eb.fn.coalesce(eb.fn.sum<number>('d.fee_amount'), sql<number>`0`).as('fee'),
      eb.fn.coalesce(eb.fn.sum<number>('d.refunded_amount'), sql<number>`0`).as('refunded'),
    ])
    .groupBy('d.currency')
    .orderBy('d.currency')
    .execute()
  return rows.map(totalOf)
}

const totalOf = (r: { currency: string; count: unknown; amount: unknown; fee: unknown; refunded: unknown }) => ({
  currency: r.currency,
  count: Number(r.count),
  amount: Number(r.amount),
  fee: Number(r.fee),
  refunded: Number(r.refunded),
})

/**
 * The same totals from donation_day_totals (kept by triggers on donations, see the
 * 20261201224000 migration): every filter but the search and the amount range is a column
 * there, and its China day is the payment's, so a million gifts add up from a few thousand rows.
 */
async function dayTotals(db: DB, f: DeskFilters): Promise<DeskTotal[]> {
  let q = db.selectFrom('donation_day_totals as t')
  if (f.campaign === 'none') q = q.where('t.campaign_id', '=', 0)
  else if (f.campaign) q = q.where('t.campaign_id', '=', f.campaign)
  if (f.status) q = q.where('t.status', '=', f.status)
  if (f.method) q = q.where('t.provider', '=', f.method)
  if (f.currency) q = q.where('t.currency', '=', f.currency)
  if (f.frequency) q = q.where('t.frequency', '=', f.frequency)
  // '' (not paid) sorts before every day, so a lower bound leaves unpaid gifts out, as the list does.
  if (f.from) q = q.where('t.day', '>=', f.from)
  if (f.to) q = q.where('t.day', '<=', f.to).where('t.day', '!=', '')
  const rows = await q
    .select((eb) => [
      't.currency',
      eb.fn.sum<number>('t.count').as('count'),
      eb.fn.sum<number>('t.amount').as('amount'),
      eb.fn.sum<number>('t.fee').as('fee'),
      eb.fn.sum<number>('t.refunded').as('refunded'),
    ])
    .groupBy('t.currency')
    .having((eb) => eb.fn.sum('t.count'), '>', 0)
    .orderBy('t.currency')
    .execute()
  return rows.map(totalOf)
}

/** Campaigns for the filter's choices. */
export async function deskCampaigns(db: DB) {
  return db.selectFrom('campaigns').select(['id', 'title', 'title_en']).orderBy('id').execute()
}

/** The provider's and the bank's references of a gift, for the page and the export. */
export function providerRefs(
  r: Pick<
    DeskRow,
    'provider_session_id' | 'provider_payment_intent_id' | 'provider_charge_id' | 'provider_invoice_id' | 'source_ref'
  >,
): string[] {
  return [
    r.provider_payment_intent_id,
    r.provider_charge_id,
    r.provider_session_id,
    r.provider_invoice_id,
    r.source_ref,
  ].filter((v): v is string => Boolean(v))
}

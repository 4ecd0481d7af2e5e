import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely'
import { z } from 'zod'
import { addDays } from '~/utils/calendar-day'
import type { DB } from '~/utils/db.server'
import { chinaDayStart, isMessageKey, type MessageKey } from '~/utils/i18n'
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
    before: optional(z.coerce.number({ message: 'desk.error.before' }).int().positive('desk.error.before')),
  })
  .strict('desk.error.unknown')
  .refine((v) => !v.from || !v.to || v.from <= v.to, { path: ['to'], message: 'desk.error.range' })

export type DeskFilters = z.infer<typeof DeskQuery>

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

/** The search box: an email (exact, case-insensitive), else any key that names a gift. */
function searchCondition(eb: ExpressionBuilder<WithD, 'd'>, q: string) {
  if (q.includes('@')) return eb('d.donor_email', '=', q.toLowerCase())
  return eb.or([
    eb('d.public_id', '=', q.toUpperCase()),
    eb('d.provider_payment_intent_id', '=', q),
    eb('d.provider_charge_id', '=', q),
    eb('d.provider_session_id', '=', q),
    eb('d.provider_invoice_id', '=', q),
    eb('d.source_ref', '=', q),
    eb('d.id', 'in', eb.selectFrom('receipts').select('donation_id').where('number', '=', q.toUpperCase())),
    eb('d.id', 'in', eb.selectFrom('donation_reversals').select('donation_id').where('provider_ref', '=', q)),
    sql<boolean>`${eb.ref('d.donor_name')} like ${likePrefix(q)} escape '\\'`,
  ])
}

function applyFilters(query: Q, f: DeskFilters): Q {
  let q = query
  if (f.q) {
    const term = f.q
    q = q.where((eb) => searchCondition(eb, term))
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
  return q
}

function listQuery(db: DB, f: DeskFilters) {
  return applyFilters(db.selectFrom('donations as d'), f)
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

/** One page, newest first; `next` is the `before` of the following page. */
export async function listDeskDonations(
  db: DB,
  f: DeskFilters,
  limit = PAGE_SIZE,
): Promise<{ rows: DeskRow[]; next: number | null }> {
  let q = listQuery(db, f).limit(limit + 1)
  if (f.before) q = q.where('d.id', '<', f.before)
  const rows = await q.execute()
  const page = rows.slice(0, limit)
  return { rows: page, next: rows.length > limit ? page[page.length - 1]!.id : null }
}

/** Every row of the filtered list (ignoring `before`), in pages of `chunk`: for the export. */
export async function* eachDeskDonation(db: DB, f: DeskFilters, chunk = 500): AsyncGenerator<DeskRow> {
  let before: number | undefined
  for (;;) {
    const { rows, next } = await listDeskDonations(db, { ...f, before }, chunk)
    yield* rows
    if (next === null) return
    before = next
  }
}

export type DeskTotal = { currency: string; count: number; amount: number; fee: number; refunded: number }

/** The filtered set's totals per currency (all pages). */
export async function deskTotals(db: DB, f: DeskFilters): Promise<DeskTotal[]> {
  const rows = await applyFilters(db.selectFrom('donations as d'), { ...f, before: undefined })
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
  return rows.map((r) => ({
    currency: r.currency,
    count: Number(r.count),
    amount: Number(r.amount),
    fee: Number(r.fee),
    refunded: Number(r.refunded),
  }))
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

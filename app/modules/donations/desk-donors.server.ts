import { sql } from 'kysely'
import type { DB } from '~/utils/db.server'
import type { DonationStatus } from '../../../db/tables/giving'

// Donors as the desk sees them: one per normalised email (emails are stored trimmed and
// lower-cased by every intake schema). A donor's id in URLs is the id of their first
// donation, which never changes (donations are never deleted). Only gifts that arrived count.

export const RECEIVED: DonationStatus[] = ['paid', 'partially_refunded', 'refunded', 'disputed']
export const DONOR_PAGE_SIZE = 50

export type CurrencyTotal = { currency: string; amount: number }

export type DonorRow = {
  id: number
  email: string
  name: string
  gifts: number
  firstGift: string | null
  lastGift: string | null
  totals: CurrencyTotal[]
  monthly: boolean
}

const likePrefix = (q: string) => q.replace(/[\\%_]/g, '\\$&') + '%'

/** Donors newest first (by their first gift), keyset-paged by donor id. */
export async function listDonors(
  db: DB,
  input: { q?: string; before?: number; limit?: number },
): Promise<{ rows: DonorRow[]; next: number | null }> {
  const limit = input.limit ?? DONOR_PAGE_SIZE
  let q = db
    .selectFrom('donations as d')
    .select((eb) => [
      'd.donor_email',
      eb.fn.min<number>('d.id').as('id'),
      eb.fn.max<number>('d.id').as('last_id'),
      eb.fn.countAll<number>().as('gifts'),
      eb.fn.min<string>('d.paid_at').as('first_gift'),
      eb.fn.max<string>('d.paid_at').as('last_gift'),
    ])
    .where('d.status', 'in', RECEIVED)
    .groupBy('d.donor_email')
    .orderBy(sql`min(d.id)`, 'desc')
    .limit(limit + 1)
  const term = input.q
  if (term)
    q = term.includes('@')
      ? q.where('d.donor_email', '=', term.toLowerCase())
      : q.where(sql<boolean>`d.donor_name like ${likePrefix(term)} escape '\\'`)
  if (input.before) q = q.having(sql`min(d.id)`, '<', input.before)
  const groups = await q.execute()
  const page = groups.slice(0, limit)
  const emails = page.map((g) => g.donor_email)
  if (!emails.length) return { rows: [], next: null }
  const [totals, names, monthly] = await Promise.all([
    totalsByEmail(db, emails),
    db
      .selectFrom('donations')
      .select(['id', 'donor_name'])
      .where(
        'id',
        'in',
        page.map((g) => Number(g.last_id)),
      )
      .execute(),
    db
      .selectFrom('recurring_gifts')
      .select('donor_email')
      .distinct()
      .where('donor_email', 'in', emails)
      .where('status', '=', 'active')
      .execute(),
  ])
  const nameOf = new Map(names.map((n) => [n.id, n.donor_name]))
  const active = new Set(monthly.map((m) => m.donor_email))
  const rows = page.map((g) => ({
    id: Number(g.id),
    email: g.donor_email,
    name: nameOf.get(Number(g.last_id)) ?? '',
    gifts: Number(g.gifts),
    firstGift: g.first_gift,
    lastGift: g.last_gift,
    totals: totals.get(g.donor_email) ?? [],
    monthly: active.has(g.donor_email),
  }))
  return { rows, next: groups.length > limit ? rows[rows.length - 1]!.id : null }
}

/** What each donor gave and kept (gross less refunds), per currency. */
async function totalsByEmail(db: DB, emails: string[]): Promise<Map<string, CurrencyTotal[]>> {
  const rows = await db
    .selectFrom('donations')
    .select((eb) => [
      'donor_email',
      'currency',
      eb.fn.sum<number>('amount').as('amount'),
      eb.fn.sum<number>('refunded_amount').as('refunded'),
    ])
    .where('donor_email', 'in', emails)
    .where('status', 'in', RECEIVED)
    .groupBy(['donor_email', 'currency'])
    .orderBy('currency')
    .execute()
  const out = new Map<string, CurrencyTotal[]>()
  for (const r of rows) {
    const list = out.get(r.donor_email) ?? []
    list.push({ currency: r.currency, amount: Number(r.amount) - Number(r.refunded) })
    out.set(r.donor_email, list)
  }
  return out
}

/** One donor (by any of their donations' ids): every gift, receipt and monthly gift. */
export async function getDonor(db: DB, id: number) {
  const first = await db.selectFrom('donations').select('donor_email').where('id', '=', id).executeTakeFirst()
  if (!first) return undefined
  const email = first.donor_email
  const [gifts, receipts, recurring, totals, firstId] = await Promise.all([
    db
      .selectFrom('donations as d')
      .leftJoin('campaigns as c', 'c.id', 'd.campaign_id')
      .select([
        'd.id',
        'd.public_id',
        'd.status',
        'd.frequency',
        'd.designation',
        'd.amount',
        'd.refunded_amount',
        'd.currency',
        'd.donor_name',
        'd.provider',
        'd.created_at',
        'd.paid_at',
        'c.title as campaign_title',
        'c.title_en as campaign_title_en',
      ])
      .where('d.donor_email', '=', email)
      .orderBy('d.id', 'desc')
      .limit(500)
      .execute(),
    db
      .selectFrom('receipts as r')
      .innerJoin('donations as d', 'd.id', 'r.donation_id')
      .select(['r.id', 'r.number', 'r.amount', 'r.currency', 'r.issued_at', 'r.voided_at', 'd.id as donation_id'])
      .where('d.donor_email', '=', email)
      .orderBy('r.id', 'desc')
      .limit(500)
      .execute(),
    db
      .selectFrom('recurring_gifts')
      .select(['id', 'status', 'amount', 'currency', 'provider', 'created_at', 'canceled_at'])
      .where('donor_email', '=', email)
      .orderBy('id', 'desc')
      .execute(),
    totalsByEmail(db, [email]),
    donorIdOf(db, email),
  ])
  const received = gifts.filter((g) => RECEIVED.includes(g.status))
  return {
    donor: {
      id: firstId,
      email,
      name: gifts[0]?.donor_name ?? '',
      gifts: received.length,
      totals: totals.get(email) ?? [],
      monthly: recurring.some((r) => r.status === 'active'),
    },
    gifts,
    receipts,
    recurring,
  }
}

/** A donor's id (their first donation's id), from the email of any of their gifts. */
export async function donorIdOf(db: DB, email: string): Promise<number> {
  const row = await db
    .selectFrom('donations')
    .select((eb) => eb.fn.min<number>('id').as('id'))
    .where('donor_email', '=', email)
    .executeTakeFirstOrThrow()
  return Number(row.id)
}

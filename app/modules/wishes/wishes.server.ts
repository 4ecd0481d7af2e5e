import crypto from 'node:crypto'
import { sql } from 'kysely'
import type { DB } from '~/utils/db.server'
import { recordAudit } from '../audit/audit.server'
import { publicStoryConsented } from '../beneficiaries/consent.server'
import { fundOfWish, getBalance, postAward, postPayout } from '../ledger'
import { checkProof, saveProof } from '../disbursements/uploads.server'
import { pathInScope, scopeCondition } from '../stations/scope.server'
import { HOLD_MINUTES, type WishInput } from './schema'

// 微心愿: a caseworker posts a child's small wish; a donor claims it, which holds it for
// 30 minutes (the hold's end is stored and compared with the clock, so an expired hold
// is simply not a hold: no background job); the donor pays through the giving flow into
// fund:wish:<id>; staff mark it fulfilled with proof, which awards the wish fund to the
// student and pays it out, so the ledger reads donor → wish → student payout.
// Exactly one holder: the claim is ONE conditional UPDATE that only matches a wish that
// is open and not held, so concurrent claims (across processes too) cannot both win.

export class WishError extends Error {
  constructor(public messageKey: string) {
    super(messageKey)
  }
}

export type StaffActor = { id: number; scope: string[]; ip: string }

/** Claims one client may make per half hour (the public route enforces it). */
export const CLAIM_LIMIT = { max: 5, windowMs: 30 * 60_000 }

export async function createWish(db: DB, actor: StaffActor, input: WishInput, now = new Date()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const s = await trx
      .selectFrom('beneficiaries')
      .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
      .select(['beneficiaries.station_id', 'beneficiaries.status', 'stations.path'])
      .where('beneficiaries.id', '=', input.beneficiaryId)
      .executeTakeFirst()
    if (!s || !pathInScope(actor.scope, s.path)) throw new WishError('wishes.error.student')
    if (s.status !== 'active') throw new WishError('wishes.error.inactive')
    const row = await trx
      .insertInto('wishes')
      .values({
        beneficiary_id: input.beneficiaryId,
        station_id: s.station_id,
        item: input.item,
        story: input.story,
        price: input.price,
        currency: 'CNY',
        status: 'open',
        hold_token: null,
        held_until: null,
        created_by: actor.id,
        created_at: now.toISOString(),
        fulfilled_by: null,
        fulfilled_at: null,
        proof_file_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'wish.created',
        entityType: 'wish',
        entityId: row.id,
        stationId: s.station_id,
        after: { item: input.item, price: input.price },
        ip: actor.ip,
      },
      now,
    )
    return Number(row.id)
  })
}

/** Money given to the wish's fund so far (paid gifts), in minor units. */
async function raisedByWish(db: DB, ids: number[]): Promise<Map<number, number>> {
  if (!ids.length) return new Map()
  const rows = await db
    .selectFrom('ledger_donations')
    .select((eb) => ['fund', eb.fn.sum<number>('gross').as('gross')])
    .where(
      'fund',
      'in',
      ids.map((id) => fundOfWish(id)),
    )
    .groupBy('fund')
    .execute()
  return new Map(rows.map((r) => [Number(r.fund.split(':')[2]), Number(r.gross)]))
}

export type PublicWish = {
  id: number
  item: string
  story: string
  price: number
  currency: string
  publicCode: string
  grade: string
  county: string
  countyEn: string
  state: 'open' | 'held' | 'funded' | 'fulfilled'
}

/**
 * The public list: only item, story, price, county, grade and pseudonym; only children
 * whose guardian consented to a public story (checked live, so a withdrawal hides
 * their wishes on the next request).
 */
export async function listPublicWishes(
  db: DB,
  input: { includeDone?: boolean; now?: Date } = {},
): Promise<PublicWish[]> {
  const now = (input.now ?? new Date()).toISOString()
  let q = db
    .selectFrom('wishes')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'wishes.beneficiary_id')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .leftJoin('stations as county', (j) => j.on(sql`county.code`, '=', sql`substr(stations.code, 1, 6)`))
    .select([
      'wishes.id',
      'wishes.item',
      'wishes.story',
      'wishes.price',
      'wishes.currency',
      'wishes.status',
      'wishes.held_until',
      'beneficiaries.public_code',
      'beneficiaries.grade',
      'county.name as county',
      'county.name_en as county_en',
    ])
    .where(publicStoryConsented('beneficiaries.id'))
    .where('beneficiaries.status', '=', 'active')
  q = input.includeDone ? q.where('wishes.status', 'in', ['open', 'fulfilled']) : q.where('wishes.status', '=', 'open')
  const rows = await q.orderBy('wishes.id').limit(500).execute()
  const raised = await raisedByWish(
    db,
    rows.map((r) => Number(r.id)),
  )
  return rows.map((r) => {
    const id = Number(r.id)
    const state =
      r.status === 'fulfilled'
        ? 'fulfilled'
        : (raised.get(id) ?? 0) >= r.price
          ? 'funded'
          : r.held_until && r.held_until > now
            ? 'held'
            : 'open'
    return {
      id,
      item: r.item,
      story: r.story,
      price: r.price,
      currency: r.currency,
      publicCode: r.public_code,
      grade: r.grade,
      county: r.county ?? '',
      countyEn: r.county_en ?? '',
      state,
    }
  })
}

export async function getPublicWish(db: DB, id: number, now = new Date()): Promise<PublicWish | undefined> {
  return (await listPublicWishes(db, { includeDone: true, now })).find((w) => w.id === id)
}

/**
 * Claim a wish for 30 minutes. Returns the claim token, or throws WishError
 * ('wishes.error.held' when someone else holds it, 'wishes.error.unavailable' otherwise).
 */
export async function claimWish(
  db: DB,
  input: { wishId: number },
  now = new Date(),
): Promise<{ token: string; heldUntil: string }> {
  const wish = await getPublicWish(db, input.wishId, now)
  if (!wish || wish.state === 'fulfilled' || wish.state === 'funded') throw new WishError('wishes.error.unavailable')
  const token = `w_${crypto.randomBytes(16).toString('base64url')}`
  const at = now.toISOString()
  const heldUntil = new Date(now.getTime() + HOLD_MINUTES * 60_000).toISOString()
  const won = await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('wishes')
      .set({ hold_token: token, held_until: heldUntil })
      .where('id', '=', input.wishId)
      .where('status', '=', 'open')
      .where((eb) => eb.or([eb('held_until', 'is', null), eb('held_until', '<=', at)]))
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) !== 1) return false
    await trx
      .insertInto('wish_claims')
      .values({ wish_id: input.wishId, token, claimed_at: at, expires_at: heldUntil })
      .execute()
    return true
  })
  if (!won) throw new WishError('wishes.error.held')
  return { token, heldUntil }
}

/** The holder gives the wish back before the 30 minutes are up. */
export async function releaseWish(db: DB, input: { wishId: number; token: string }): Promise<boolean> {
  const r = await db
    .updateTable('wishes')
    .set({ hold_token: null, held_until: null })
    .where('id', '=', input.wishId)
    .where('hold_token', '=', input.token)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

/** Who holds the wish now (null when nobody, including when the hold expired). */
export async function currentHolder(db: DB, wishId: number, now = new Date()): Promise<string | null> {
  const w = await db
    .selectFrom('wishes')
    .select(['hold_token', 'held_until', 'status'])
    .where('id', '=', wishId)
    .executeTakeFirst()
  return w && w.status === 'open' && w.held_until && w.held_until > now.toISOString() ? w.hold_token : null
}

/**
 * For checkout: the wish may take a gift (open, publicly visible, not yet fully funded),
 * and `remaining` is what that gift must be: a wish is paid once, for what it still needs.
 */
export async function wishForCheckout(db: DB, wishId: number, now = new Date()) {
  const wish = await getPublicWish(db, wishId, now)
  if (!wish || wish.state === 'fulfilled' || wish.state === 'funded') return null
  const raised = (await raisedByWish(db, [wish.id])).get(wish.id) ?? 0
  return { ...wish, remaining: Math.max(0, wish.price - raised) }
}

export type StaffWish = {
  id: number
  item: string
  price: number
  currency: string
  status: string
  publicCode: string
  raised: number
  heldUntil: string | null
  fulfilledAt: string | null
}

export async function listWishesForStaff(db: DB, scope: string[]): Promise<StaffWish[]> {
  const rows = await db
    .selectFrom('wishes')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'wishes.beneficiary_id')
    .innerJoin('stations', 'stations.id', 'wishes.station_id')
    .select([
      'wishes.id',
      'wishes.item',
      'wishes.price',
      'wishes.currency',
      'wishes.status',
      'wishes.held_until',
      'wishes.fulfilled_at',
      'beneficiaries.public_code',
    ])
    .where(scopeCondition('stations.path', scope))
    .orderBy('wishes.id', 'desc')
    .limit(300)
    .execute()
  const raised = await raisedByWish(
    db,
    rows.map((r) => Number(r.id)),
  )
  return rows.map((r) => ({
    id: Number(r.id),
    item: r.item,
    price: r.price,
    currency: r.currency,
    status: r.status,
    publicCode: r.public_code,
    raised: raised.get(Number(r.id)) ?? 0,
    heldUntil: r.held_until,
    fulfilledAt: r.fulfilled_at,
  }))
}

/**
 * Staff mark a funded wish fulfilled with proof. A photo is accepted only when the
 * guardian consented to photos; a PDF (a shop receipt) always. The wish fund's money is
 * awarded to the student and paid out in the same transaction.
 */
export async function fulfilWish(
  db: DB,
  actor: StaffActor,
  input: { wishId: number; proof: Uint8Array },
  now = new Date(),
): Promise<'notFound' | 'fulfilled'> {
  const at = now.toISOString()
  return db.transaction().execute(async (trx) => {
    const w = await trx
      .selectFrom('wishes')
      .innerJoin('beneficiaries', 'beneficiaries.id', 'wishes.beneficiary_id')
      .innerJoin('stations', 'stations.id', 'wishes.station_id')
      .select([
        'wishes.id',
        'wishes.status',
        'wishes.price',
        'wishes.currency',
        'wishes.station_id',
        'wishes.beneficiary_id',
        'beneficiaries.public_code',
        'stations.path',
      ])
      .where('wishes.id', '=', input.wishId)
      .executeTakeFirst()
    if (!w || !pathInScope(actor.scope, w.path)) return 'notFound'
    if (w.status !== 'open') throw new WishError('wishes.error.unavailable')
    const fund = fundOfWish(Number(w.id))
    const balance = await getBalance(trx, fund, w.currency)
    // Fulfilled means its price was given: half a pair of shoes is not a wish come true.
    const raised = (await raisedByWish(trx, [Number(w.id)])).get(Number(w.id)) ?? 0
    if (balance <= 0 || raised < w.price) throw new WishError('wishes.error.notFunded')
    if (checkProof(input.proof) !== 'application/pdf') {
      const consent = await trx
        .selectFrom('beneficiary_consents')
        .select('photo')
        .where('beneficiary_id', '=', w.beneficiary_id)
        .where('withdrawn_at', 'is', null)
        .orderBy('id', 'desc')
        .executeTakeFirst()
      if (consent?.photo !== 1) throw new WishError('wishes.error.photoConsent')
    }
    const proof = await saveProof(
      trx,
      { entityType: 'wish', entityId: Number(w.id), bytes: input.proof, uploadedBy: actor.id },
      now,
    )
    const refs = { programme: 'micro-wish', wish: String(w.id) }
    await postAward(trx, {
      idempotencyKey: `wish-award:${w.id}`,
      fund,
      beneficiaryId: w.beneficiary_id,
      beneficiaryCode: w.public_code,
      amount: balance,
      currency: w.currency,
      occurredAt: at,
      refs,
    })
    await postPayout(trx, {
      idempotencyKey: `wish-payout:${w.id}`,
      beneficiaryId: w.beneficiary_id,
      amount: balance,
      currency: w.currency,
      occurredAt: at,
      refs,
    })
    await trx
      .updateTable('wishes')
      .set({
        status: 'fulfilled',
        fulfilled_by: actor.id,
        fulfilled_at: at,
        proof_file_id: proof.id,
        hold_token: null,
        held_until: null,
      })
      .where('id', '=', w.id)
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'wish.fulfilled',
        entityType: 'wish',
        entityId: w.id,
        stationId: w.station_id,
        before: { status: 'open' },
        after: { status: 'fulfilled', amount: balance, proofId: proof.id },
        ip: actor.ip,
      },
      now,
    )
    return 'fulfilled'
  })
}

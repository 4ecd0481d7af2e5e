import { sql, type SqlBool } from 'kysely'
import type { DB } from '~/utils/db.server'
import { dialectOf } from '~/utils/db.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit } from '../audit/audit.server'
import { RECEIVED } from '../donations/desk-donors.server'
import { attachOfficialReceipt } from './correct.server'
import type { OfficialAttachInput, OfficialRequestInput, QueueView } from './official-schema'

// Official e-receipts (财政电子票据). The finance bureau issues them, not us: a donor asks
// from the portal (payer name, and a company's 统一社会信用代码), finance issues it in the
// bureau's system and copies its code, number, check code, date and verification link
// here, once. Attaching also marks our own receipt (receipts.official_*), so its PDF and
// mail name the official receipt only from then on.
//
// 冲红 (reversal): the official receipt covers `official_amount`, the gift less refunds
// when it was attached. The flag is derived, never stored: the refunds recorded on the
// donation (donation_reversals, written by every refund path: staff, webhook, dashboard)
// bring what is kept below that amount. Finance then records the red-letter receipt's
// number, which clears the flag.

export type Actor = { id: number; ip?: string | null }

/** The donation's receipt that stands now (the latest, not voided), if any. */
async function currentReceipt(db: DB, donationId: number) {
  return db
    .selectFrom('receipts')
    .select(['id', 'number', 'amount', 'voided_at'])
    .where('donation_id', '=', donationId)
    .where('voided_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst()
}

/** Refunds recorded on the donation, minor units. */
const refundedSql = sql<number>`coalesce((select sum(rv.amount) from donation_reversals rv where rv.donation_id = q.donation_id and rv.kind = 'refund'), 0)`
/** The reversal the queue asks for: attached, not yet reversed, and refunds now exceed what it allowed for. */
const needsReversalSql = sql<SqlBool>`(q.attached_at is not null and q.reversed_at is null and d.amount - ${refundedSql} < q.official_amount)`

/** A donor asks for the official receipt of one of their gifts (by its public id). Once per gift. */
export async function requestOfficialReceipt(
  db: DB,
  input: OfficialRequestInput & { donorEmail: string; now?: Date },
): Promise<{ requestId: number }> {
  const at = (input.now ?? new Date()).toISOString()
  const d = await db
    .selectFrom('donations')
    .select(['id', 'status', 'amount', 'refunded_amount'])
    .where('public_id', '=', input.donation)
    .where('donor_email', '=', input.donorEmail)
    .executeTakeFirst()
  // Someone else's gift is the same as no gift.
  if (!d || !RECEIVED.includes(d.status)) throw new Refusal('official.error.noGift', { status: 404 })
  if (d.amount - d.refunded_amount <= 0 || !(await currentReceipt(db, d.id)))
    throw new Refusal('official.error.returned', { status: 409 })
  const inserted = await db
    .insertInto('official_receipt_requests')
    .values({
      donation_id: d.id,
      requested_email: input.donorEmail,
      payer_kind: input.payerKind,
      payer_name: input.payerName,
      credit_code: input.creditCode,
      requested_at: at,
    })
    .onConflict((oc) => oc.column('donation_id').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) throw new Refusal('official.error.alreadyRequested', { status: 409 })
  return { requestId: inserted.id }
}

/** Attach the bureau's receipt to a request, once; also marks our current receipt. */
export async function attachOfficial(db: DB, actor: Actor, input: OfficialAttachInput & { now?: Date }): Promise<void> {
  const at = (input.now ?? new Date()).toISOString()
  await db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('official_receipt_requests as q')
      .innerJoin('donations as d', 'd.id', 'q.donation_id')
      .select(['q.id', 'q.donation_id', 'q.attached_at', 'd.amount', 'd.refunded_amount'])
      .where('q.id', '=', input.request)
    // Two finance staff attaching at once: the second waits here, then sees the first's.
    if (dialectOf(trx) === 'postgres') q = q.forUpdate()
    const row = await q.executeTakeFirst()
    if (!row) throw new Refusal('official.error.noRequest', { status: 404 })
    if (row.attached_at) throw new Refusal('official.error.alreadyAttached', { status: 409 })
    const kept = row.amount - row.refunded_amount
    const receipt = await currentReceipt(trx, row.donation_id)
    if (kept <= 0 || !receipt) throw new Refusal('official.error.returned', { status: 409 })
    const official = {
      receipt_id: receipt.id,
      official_code: input.code.toUpperCase(),
      official_number: input.number.toUpperCase(),
      check_code: input.checkCode,
      official_date: input.date,
      official_amount: kept,
      verify_url: input.verifyUrl,
      attached_at: at,
      attached_by: actor.id,
    }
    const updated = await trx
      .updateTable('official_receipt_requests')
      .set(official)
      .where('id', '=', row.id)
      .where('attached_at', 'is', null)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) !== 1) throw new Refusal('official.error.alreadyAttached', { status: 409 })
    await attachOfficialReceipt(trx, {
      receiptId: receipt.id,
      code: official.official_code,
      number: official.official_number,
      attachedAt: at,
    })
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'official-receipt.attach',
      entityType: 'donation',
      entityId: row.donation_id,
      after: { request: row.id, receipt: receipt.number, ...official },
      ip: actor.ip,
    })
  })
}

/** Record the red-letter (冲红) receipt for a request the queue flags; once. */
export async function recordReversal(
  db: DB,
  actor: Actor,
  input: { request: number; reversalNumber: string; now?: Date },
): Promise<void> {
  const at = (input.now ?? new Date()).toISOString()
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('official_receipt_requests as q')
      .innerJoin('donations as d', 'd.id', 'q.donation_id')
      .select(['q.id', 'q.donation_id', needsReversalSql.as('needs')])
      .where('q.id', '=', input.request)
      .executeTakeFirst()
    if (!row) throw new Refusal('official.error.noRequest', { status: 404 })
    if (!row.needs) throw new Refusal('official.error.noReversal', { status: 409 })
    const updated = await trx
      .updateTable('official_receipt_requests')
      .set({ reversal_number: input.reversalNumber.toUpperCase(), reversed_at: at, reversed_by: actor.id })
      .where('id', '=', row.id)
      .where('reversed_at', 'is', null)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) !== 1) throw new Refusal('official.error.noReversal', { status: 409 })
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'official-receipt.reverse',
      entityType: 'donation',
      entityId: row.donation_id,
      after: { request: row.id, reversal_number: input.reversalNumber.toUpperCase() },
      ip: actor.ip,
    })
  })
}

export const QUEUE_LIMIT = 200

function queueQuery(db: DB) {
  return db
    .selectFrom('official_receipt_requests as q')
    .innerJoin('donations as d', 'd.id', 'q.donation_id')
    .selectAll('q')
    .select([
      'd.public_id',
      'd.donor_email',
      'd.donor_name',
      'd.amount',
      'd.currency',
      'd.paid_at',
      refundedSql.as('refunded'),
      needsReversalSql.as('needs_reversal'),
    ])
}

/** The finance queue: requests waiting, attached ones a refund has overtaken (冲红), or all attached. */
export async function officialQueue(db: DB, view: QueueView) {
  let q = queueQuery(db)
  if (view === 'pending') q = q.where('q.attached_at', 'is', null).orderBy('q.id', 'asc')
  else if (view === 'reversal') q = q.where(needsReversalSql).orderBy('q.id', 'asc')
  else q = q.where('q.attached_at', 'is not', null).orderBy('q.attached_at', 'desc').orderBy('q.id', 'desc')
  const rows = await q.limit(QUEUE_LIMIT).execute()
  return rows.map((r) => ({ ...r, refunded: Number(r.refunded), needs_reversal: Boolean(Number(r.needs_reversal)) }))
}

/** How many wait in each view (the tabs' counts). */
export async function queueCounts(db: DB): Promise<Record<QueueView, number>> {
  const row = await db
    .selectFrom('official_receipt_requests as q')
    .innerJoin('donations as d', 'd.id', 'q.donation_id')
    .select([
      sql<number>`sum(case when q.attached_at is null then 1 else 0 end)`.as('pending'),
      sql<number>`sum(case when ${needsReversalSql} then 1 else 0 end)`.as('reversal'),
      sql<number>`sum(case when q.attached_at is not null then 1 else 0 end)`.as('attached'),
    ])
    .executeTakeFirst()
  return {
    pending: Number(row?.pending ?? 0),
    reversal: Number(row?.reversal ?? 0),
    attached: Number(row?.attached ?? 0),
  }
}

/** The requests of one donor's gifts, by donation public id (the portal's view). */
export async function donorOfficialReceipts(db: DB, donorEmail: string) {
  const rows = await queueQuery(db).where('d.donor_email', '=', donorEmail).orderBy('q.id', 'desc').execute()
  return rows.map((r) => ({
    donation: r.public_id,
    payerKind: r.payer_kind,
    payerName: r.payer_name,
    creditCode: r.credit_code,
    requestedAt: r.requested_at,
    official: r.attached_at
      ? {
          code: r.official_code!,
          number: r.official_number!,
          checkCode: r.check_code!,
          date: r.official_date!,
          verifyUrl: r.verify_url!,
          amount: Number(r.official_amount),
          currency: r.currency,
        }
      : null,
    reversalNumber: r.reversal_number,
  }))
}

export type DonorOfficialReceipt = Awaited<ReturnType<typeof donorOfficialReceipts>>[number]

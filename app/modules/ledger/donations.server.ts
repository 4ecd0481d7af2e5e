// Money in and money back: donations open lots; refunds and lost disputes draw them.
import { DISPUTES, DONORS, FEES, GENERAL_FUND, REFUNDS, isFund } from './accounts'
import { IdempotencyConflictError, LedgerInputError } from './errors'
import { digestOf, normaliseTime, type Refs } from './hash.server'
import { applyDraws, insertTraces, openLots, planFifo, type Draw } from './lots.server'
import { lockHead, preparePosting, replayed, writePosting, type Posted, type Transfer, type Trx } from './post.server'

export type DonationInput = {
  idempotencyKey: string
  /** Public donation id, e.g. D-2026-000123. */
  donationRef: string
  fund: string
  /** Gross amount paid by the donor, minor units. */
  amount: number
  fee: number
  currency: string
  paidAt: string
  /** Already masked under the privacy rule (爱心人士, 张*, or a chosen full name). */
  displayName: string
  refs?: Refs
}

function positive(amount: number, what: string) {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new LedgerInputError(`${what} must be a positive integer of minor units`)
}

/** Public name of a campaign fund, asked only when the account is first created. */
function campaignTitle(trx: Trx) {
  return async (code: string): Promise<string | undefined> => {
    const m = /^fund:campaign:(\d+)$/.exec(code)
    if (!m) return undefined
    const campaign = await trx.selectFrom('campaigns').select('title').where('id', '=', Number(m[1])).executeTakeFirst()
    return campaign?.title
  }
}

/** A paid donation: donors → fund (gross), fund → fees (fee); opens a lot of gross − fee. */
export async function postDonation(
  trx: Trx,
  input: DonationInput,
): Promise<Posted & { donationId: number; lotId: number }> {
  if (!isFund(input.fund)) throw new LedgerInputError(`donations go to a fund account, not ${input.fund}`)
  positive(input.amount, 'amount')
  if (!Number.isSafeInteger(input.fee) || input.fee < 0 || input.fee > input.amount)
    throw new LedgerInputError('fee must be between 0 and the amount')
  const displayName = input.displayName.trim()
  if (!displayName || displayName.length > 60) throw new LedgerInputError('display name must be 1–60 characters')
  const transfers: Transfer[] = [{ from: DONORS, to: input.fund, amount: input.amount, currency: input.currency }]
  if (input.fee > 0) transfers.push({ from: input.fund, to: FEES, amount: input.fee, currency: input.currency })
  const p = preparePosting({
    idempotencyKey: input.idempotencyKey,
    kind: 'donation',
    transfers,
    refs: { ...input.refs, donation: input.donationRef, donor: displayName },
    occurredAt: input.paidAt,
  })
  const head = await lockHead(trx)
  const digest = digestOf({ kind: p.kind, occurredAt: p.occurredAt, refs: p.refs, transfers: p.transfers })
  const again = await replayed(trx, p.idempotencyKey, digest)
  const existing = await trx
    .selectFrom('ledger_donations')
    .select(['id', 'sequence'])
    .where('donation_ref', '=', input.donationRef)
    .executeTakeFirst()
  if (again) {
    const lot = await trx
      .selectFrom('ledger_lots')
      .select('id')
      .where('donation_id', '=', existing!.id)
      .orderBy('id')
      .executeTakeFirstOrThrow()
    return { ...again, donationId: existing!.id, lotId: lot.id }
  }
  if (existing)
    throw new IdempotencyConflictError(
      input.idempotencyKey,
      `donation ${input.donationRef}, already recorded under another key`,
    )

  const posted = await writePosting(trx, head, p, digest, campaignTitle(trx))
  const donation = await trx
    .insertInto('ledger_donations')
    .values({
      donation_ref: input.donationRef,
      sequence: posted.sequence,
      fund: input.fund,
      gross: input.amount,
      fee: input.fee,
      currency: input.currency,
      display_name: displayName,
      paid_at: p.occurredAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const [lotId] = await openLots(trx, [
    {
      sequence: posted.sequence,
      donation_id: donation.id,
      fund: input.fund,
      currency: input.currency,
      amount: input.amount - input.fee,
      paid_at: p.occurredAt,
      source_trace_id: null,
    },
  ])
  return { ...posted, donationId: donation.id, lotId: lotId! }
}

export type RefundInput = {
  idempotencyKey: string
  donationRef: string
  amount: number
  currency: string
  occurredAt: string
  reason: 'refund' | 'dispute'
  refs?: Refs
}

/**
 * Money back to a donor (or lost in a dispute): drawn first from the donation's own
 * open lots (lot order), any shortfall from fund:general (FIFO), each part its own transfer.
 */
export async function postRefund(trx: Trx, input: RefundInput): Promise<Posted> {
  positive(input.amount, 'amount')
  if (input.reason !== 'refund' && input.reason !== 'dispute')
    throw new LedgerInputError('reason must be refund or dispute')
  const occurredAt = normaliseTime(input.occurredAt)
  const head = await lockHead(trx)
  const digest = digestOf({ kind: input.reason, ...input, occurredAt, idempotencyKey: undefined })
  const again = await replayed(trx, input.idempotencyKey, digest)
  if (again) return again

  const donation = await trx
    .selectFrom('ledger_donations')
    .selectAll()
    .where('donation_ref', '=', input.donationRef)
    .executeTakeFirst()
  if (!donation) throw new LedgerInputError(`unknown donation ${input.donationRef}`)
  if (donation.currency !== input.currency)
    throw new LedgerInputError(`donation ${input.donationRef} is in ${donation.currency}`)
  const done = await trx
    .selectFrom('ledger_transfers as t')
    .innerJoin('ledger_transactions as x', 'x.sequence', 't.sequence')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('t.amount'), eb.lit(0)).as('n'))
    .where('x.donation_ref', '=', input.donationRef)
    .where('x.kind', 'in', ['refund', 'dispute'])
    .executeTakeFirstOrThrow()
  if (input.amount > donation.gross - Number(done.n))
    throw new LedgerInputError(`refund exceeds what remains refundable of ${input.donationRef}`)

  const own = await trx
    .selectFrom('ledger_lots as l')
    .innerJoin('ledger_lot_balances as b', 'b.lot_id', 'l.id')
    .select(['l.id', 'l.fund', 'l.paid_at', 'b.remaining'])
    .where('l.donation_id', '=', donation.id)
    .where('b.remaining', '>', 0)
    .orderBy('l.id')
    .execute()
  const draws: Draw[] = []
  let need = input.amount
  for (const lot of own) {
    if (need === 0) break
    const take = Math.min(lot.remaining, need)
    draws.push({
      lotId: lot.id,
      donationId: donation.id,
      fund: lot.fund,
      paidAt: lot.paid_at,
      before: lot.remaining,
      amount: take,
    })
    need -= take
  }
  const target = input.reason === 'refund' ? REFUNDS : DISPUTES
  const transfers: Transfer[] = []
  for (const d of draws) {
    const same = transfers.find((t) => t.from === d.fund)
    if (same) same.amount += d.amount
    else transfers.push({ from: d.fund, to: target, amount: d.amount, currency: input.currency })
  }
  if (need > 0) {
    const taken = new Map(draws.map((d) => [d.lotId, d.amount]))
    draws.push(...(await planFifo(trx, GENERAL_FUND, input.currency, need, taken)))
    transfers.push({ from: GENERAL_FUND, to: target, amount: need, currency: input.currency })
  }
  const p = preparePosting({
    idempotencyKey: input.idempotencyKey,
    kind: input.reason,
    transfers,
    refs: { ...input.refs, donation: input.donationRef },
    occurredAt,
  })
  const posted = await writePosting(trx, head, p, digest)
  await applyDraws(trx, draws)
  await insertTraces(
    trx,
    draws.map((d) => ({
      sequence: posted.sequence,
      kind: input.reason,
      lot_id: d.lotId,
      amount: d.amount,
      currency: input.currency,
    })),
  )
  return posted
}

// Money in and money back: donations open lots; refunds and lost disputes draw them.
import { DISPUTES, DONORS, FEES, GENERAL_FUND, REFUNDS, isFund } from './accounts'
import { present } from '../../utils/invariant'
import { IdempotencyConflictError, LedgerInputError } from './errors'
import { normaliseTime, type Refs } from './hash.server'
import { openLots } from './lots.server'
import { postCommand, postCommands, type Posted, type Transfer, type Trx } from './post.server'
import { refundedOf } from './queries.server'

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
  return present((await postDonations(trx, [input]))[0], 'one donation, one answer')
}

/**
 * Several paid donations in one batch (postDonation for each, in order), posted with one
 * multi-row statement per table: what a group commit of paid checkouts writes.
 */
export async function postDonations(
  trx: Trx,
  inputs: DonationInput[],
): Promise<(Posted & { donationId: number; lotId: number })[]> {
  const refs = new Set<string>()
  const checked = inputs.map((input) => {
    if (refs.has(input.donationRef))
      throw new LedgerInputError(`donation ${input.donationRef} appears twice in the batch`)
    refs.add(input.donationRef)
    if (!isFund(input.fund)) throw new LedgerInputError(`donations go to a fund account, not ${input.fund}`)
    positive(input.amount, 'amount')
    if (!Number.isSafeInteger(input.fee) || input.fee < 0 || input.fee > input.amount)
      throw new LedgerInputError('fee must be between 0 and the amount')
    const displayName = input.displayName.trim()
    if (!displayName || displayName.length > 60) throw new LedgerInputError('display name must be 1–60 characters')
    const transfers: Transfer[] = [{ from: DONORS, to: input.fund, amount: input.amount, currency: input.currency }]
    if (input.fee > 0) transfers.push({ from: input.fund, to: FEES, amount: input.fee, currency: input.currency })
    return { input, displayName, transfers }
  })
  // Donations recorded under another key are refused; read once, under the head lock, by the first plan.
  let recorded: Promise<Set<string>> | undefined
  const posted = await postCommands(
    trx,
    checked.map(({ input, displayName, transfers }) => ({
      idempotencyKey: input.idempotencyKey,
      kind: 'donation' as const,
      occurredAt: input.paidAt,
      posting: { transfers, refs: { ...input.refs, donation: input.donationRef, donor: displayName } },
      plan: async () => {
        recorded ??= recordedRefs(
          trx,
          inputs.map((i) => i.donationRef),
        )
        if ((await recorded).has(input.donationRef))
          throw new IdempotencyConflictError(
            input.idempotencyKey,
            `donation ${input.donationRef}, already recorded under another key`,
          )
        return { names: campaignTitle(trx) }
      },
    })),
  )
  const fresh = checked.flatMap(({ input, displayName }, i) => {
    const p = present(posted[i], 'one posting per donation')
    return p.created ? [{ input, displayName, posted: p }] : []
  })
  const opened = new Map<string, { donationId: number; lotId: number }>()
  if (fresh.length) {
    const rows = fresh.map(({ input, displayName, posted: p }) => ({
      donation_ref: input.donationRef,
      sequence: p.sequence,
      fund: input.fund,
      gross: input.amount,
      fee: input.fee,
      currency: input.currency,
      // As hashed: the commitment in version 2, so erasing the name leaves no copy here.
      display_name: p.refs?.donor ?? displayName,
      paid_at: normaliseTime(input.paidAt),
    }))
    // Ids are handed out in the order of the rows.
    const donationIds = (await trx.insertInto('ledger_donations').values(rows).returning('id').execute())
      .map((r) => r.id)
      .sort((a, b) => a - b)
    const lotIds = await openLots(
      trx,
      fresh.map(({ input, posted: p }, i) => ({
        sequence: p.sequence,
        donation_id: present(donationIds[i], 'one id per donation row'),
        fund: input.fund,
        currency: input.currency,
        amount: input.amount - input.fee,
        paid_at: normaliseTime(input.paidAt),
        source_trace_id: null,
      })),
    )
    for (const [i, { input }] of fresh.entries())
      opened.set(input.donationRef, {
        donationId: present(donationIds[i], 'donation id'),
        lotId: present(lotIds[i], 'the opened lot'),
      })
  }
  return Promise.all(
    checked.map(async ({ input }, i) => {
      const p = present(posted[i], 'one posting per donation')
      // A replay: the same request wrote this donation and its first lot.
      const ids = opened.get(input.donationRef) ?? (await replayedIds(trx, input.donationRef))
      return { ...p, ...ids }
    }),
  )
}

async function replayedIds(trx: Trx, donationRef: string) {
  const d = present(await donationByRef(trx, donationRef), 'the replayed donation')
  const lot = await trx
    .selectFrom('ledger_lots')
    .select('id')
    .where('donation_id', '=', d.id)
    .orderBy('id')
    .executeTakeFirst()
  return { donationId: d.id, lotId: present(lot, 'the replayed donation’s lot').id }
}

async function recordedRefs(trx: Trx, refs: string[]): Promise<Set<string>> {
  const rows = await trx
    .selectFrom('ledger_donations')
    .select('donation_ref')
    .where('donation_ref', 'in', refs)
    .execute()
  return new Set(rows.map((r) => r.donation_ref))
}

function donationByRef(trx: Trx, donationRef: string) {
  return trx.selectFrom('ledger_donations').selectAll().where('donation_ref', '=', donationRef).executeTakeFirst()
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
  const { donationRef, amount, currency, reason, refs } = input
  return postCommand(trx, {
    idempotencyKey: input.idempotencyKey,
    kind: reason,
    occurredAt: input.occurredAt,
    // Its transfers depend on the lots left, so the request is what was asked.
    asked: { donationRef, amount, currency, reason, refs },
    plan: async ({ lots }) => {
      const donation = await donationByRef(trx, donationRef)
      if (!donation) throw new LedgerInputError(`unknown donation ${donationRef}`)
      if (donation.currency !== currency)
        throw new LedgerInputError(`donation ${donationRef} is in ${donation.currency}`)
      if (amount > donation.gross - (await refundedOf(trx, donationRef)))
        throw new LedgerInputError(`refund exceeds what remains refundable of ${donationRef}`)

      const own = await lots.own(donation.id, amount)
      const target = reason === 'refund' ? REFUNDS : DISPUTES
      const transfers: Transfer[] = []
      for (const d of own.draws) {
        const same = transfers.find((t) => t.from === d.fund)
        if (same) same.amount += d.amount
        else transfers.push({ from: d.fund, to: target, amount: d.amount, currency })
      }
      const draws = [...own.draws]
      if (own.left > 0) {
        draws.push(...(await lots.fifo(GENERAL_FUND, currency, own.left)))
        transfers.push({ from: GENERAL_FUND, to: target, amount: own.left, currency })
      }
      return {
        posting: { transfers, refs: { ...refs, donation: donationRef } },
        draws,
        traces: draws.map((d) => ({ kind: reason, lot_id: d.lotId, amount: d.amount, currency })),
      }
    },
  })
}

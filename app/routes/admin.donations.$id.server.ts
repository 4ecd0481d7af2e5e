import { data, redirect } from '@remix-run/node'
import { z } from 'zod'
import type { Approver } from '~/modules/auth/maker-checker'
import {
  approveRefund,
  rejectRefund,
  requestRefund,
  retryRefund,
  type RefundDeps,
  type RefundOutcome,
} from '~/modules/donations/refunds.server'
import { refundProviderFor } from '~/modules/payments/index.server'
import type { DB } from '~/utils/db.server'
import { fieldErrors } from '~/modules/auth/schema'
import { correctDonor, CorrectDonorForm, resendReceipt, ResendForm, type Actor } from '~/modules/receipts/desk.server'
import { formValues, notFound } from '~/utils/http.server'
import { parseMoney } from '~/utils/money'
import { Refusal } from '~/utils/refusal'

// The donation page's refund intents, one function each (the page's action picks one by
// `intent`). Each answers a redirect back to the page with what happened, throws notFound()
// for a gift or request that is not there, or throws the module's Refusal.

export const REFUND_INTENTS = ['refund', 'refundApprove', 'refundReject', 'refundRetry'] as const
export type RefundIntent = (typeof REFUND_INTENTS)[number]

export type RefundIntentArgs = {
  db: DB
  actor: Approver
  donation: { id: number; currency: string }
  form: FormData
}

const RequestId = z.coerce.number().int().positive()

function deps(db: DB): RefundDeps {
  return { providerFor: (d) => refundProviderFor(db, d.provider) }
}

const back = (donationId: number, done: RefundOutcome['status'] | 'rejected') =>
  redirect(`/admin/donations/${donationId}?refund=${done}#refunds`)

/** A provider that did not answer leaves the request open; the page offers to send it again. */
async function provider<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof Refusal) throw error
    console.error('refund: the payment provider did not answer', error)
    throw new Refusal('refund.error.provider', { status: 409 })
  }
}

function requestIdOf(form: FormData): number {
  const id = RequestId.safeParse(form.get('requestId'))
  if (!id.success) throw notFound()
  return id.data
}

async function refund({ db, actor, donation, form }: RefundIntentArgs) {
  const raw = String(form.get('amount') ?? '').slice(0, 30)
  const amount = parseMoney(raw, donation.currency)
  if (amount === undefined || amount <= 0) throw new Refusal('refund.error.amount', { field: 'amount' })
  const outcome = await provider(() =>
    requestRefund(
      db,
      actor,
      {
        donationId: donation.id,
        amount,
        reason: String(form.get('reason') ?? '').slice(0, 1000),
        bankReference: form.has('bankReference') ? String(form.get('bankReference')).slice(0, 200) : null,
      },
      deps(db),
    ),
  )
  if (outcome === 'notFound') throw notFound()
  return back(donation.id, outcome.status)
}

async function refundApprove({ db, actor, donation, form }: RefundIntentArgs) {
  const requestId = requestIdOf(form)
  const outcome = await provider(() => approveRefund(db, actor, { donationId: donation.id, requestId }, deps(db)))
  if (outcome === 'notFound') throw notFound()
  return back(donation.id, outcome.status)
}

async function refundReject({ db, actor, donation, form }: RefundIntentArgs) {
  const requestId = requestIdOf(form)
  if ((await rejectRefund(db, actor, { donationId: donation.id, requestId })) === 'notFound') throw notFound()
  return back(donation.id, 'rejected')
}

async function refundRetry({ db, actor, donation, form }: RefundIntentArgs) {
  const requestId = requestIdOf(form)
  const outcome = await provider(() => retryRefund(db, actor, { donationId: donation.id, requestId }, deps(db)))
  if (outcome === 'notFound') throw notFound()
  return back(donation.id, outcome.status)
}

export const refundIntents: Record<RefundIntent, (args: RefundIntentArgs) => Promise<Response>> = {
  refund,
  refundApprove,
  refundReject,
  refundRetry,
}

// Receipts: resend, and correct the donor's name or email (void and reissue).

export const RECEIPT_INTENTS = ['receiptResend', 'receiptCorrect'] as const
export type ReceiptIntent = (typeof RECEIPT_INTENTS)[number]

export type ReceiptIntentArgs = { db: DB; actor: Actor; donation: { id: number }; form: FormData }

const receiptBack = (donationId: number, done: string) =>
  redirect(`/admin/donations/${donationId}?receipt=${done}#receipt-desk`)

async function receiptResend({ db, actor, donation, form }: ReceiptIntentArgs) {
  const parsed = ResendForm.safeParse(formValues(form))
  if (!parsed.success) throw new Refusal('receipts.desk.error.invalid')
  await resendReceipt(db, actor, { donationId: donation.id, key: parsed.data.key })
  return receiptBack(donation.id, 'resent')
}

async function receiptCorrect({ db, actor, donation, form }: ReceiptIntentArgs) {
  const values = formValues(form)
  const parsed = CorrectDonorForm.safeParse(values)
  if (!parsed.success)
    return data({ intent: 'receiptCorrect' as const, errors: fieldErrors(parsed.error), values }, { status: 400 })
  await correctDonor(db, actor, { donationId: donation.id, ...parsed.data })
  return receiptBack(donation.id, 'corrected')
}

export const receiptIntents = { receiptResend, receiptCorrect } satisfies Record<ReceiptIntent, unknown>

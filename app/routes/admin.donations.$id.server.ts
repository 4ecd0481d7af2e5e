import { data, redirect } from '@remix-run/node'
import { fieldErrors } from '~/modules/auth/schema'
import { correctDonor, CorrectDonorForm, resendReceipt, ResendForm, type Actor } from '~/modules/receipts/desk.server'
import type { DB } from '~/utils/db.server'
import { formValues } from '~/utils/http.server'
import { Refusal } from '~/utils/refusal'

// The donation page's intents, one function each (the page's action picks one by `intent`).
// Each answers a redirect back to the page, field errors (400), or throws the module's
// Refusal, which the action turns into its answer.

export const RECEIPT_INTENTS = ['receiptResend', 'receiptCorrect'] as const
export type ReceiptIntent = (typeof RECEIPT_INTENTS)[number]

export type ReceiptIntentArgs = { db: DB; actor: Actor; donation: { id: number }; form: FormData }

const back = (donationId: number, done: string) =>
  redirect(`/admin/donations/${donationId}?receipt=${done}#receipt-desk`)

async function receiptResend({ db, actor, donation, form }: ReceiptIntentArgs) {
  const parsed = ResendForm.safeParse(formValues(form))
  if (!parsed.success) throw new Refusal('receipts.desk.error.invalid')
  await resendReceipt(db, actor, { donationId: donation.id, key: parsed.data.key })
  return back(donation.id, 'resent')
}

async function receiptCorrect({ db, actor, donation, form }: ReceiptIntentArgs) {
  const values = formValues(form)
  const parsed = CorrectDonorForm.safeParse(values)
  if (!parsed.success)
    return data({ intent: 'receiptCorrect' as const, errors: fieldErrors(parsed.error), values }, { status: 400 })
  await correctDonor(db, actor, { donationId: donation.id, ...parsed.data })
  return back(donation.id, 'corrected')
}

export const receiptIntents = { receiptResend, receiptCorrect } satisfies Record<ReceiptIntent, unknown>

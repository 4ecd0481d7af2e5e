import { data, redirect } from '@remix-run/node'
import { fieldErrors } from '~/modules/auth/schema'
import { correctDonor, CorrectDonorForm, resendReceipt, ResendForm, type Actor } from '~/modules/receipts/desk.server'
import type { DB } from '~/utils/db.server'
import { formValues } from '~/utils/http.server'
import { Refusal } from '~/utils/refusal'

// The donation page's intents, one function each (the page's action picks one by `intent`).
// Each answers a redirect back to the page, field errors (400), or throws the module's
// Refusal, which the action turns into its answer.

export type IntentArgs = { db: DB; actor: Actor; donationId: number; form: FormData }

const back = (donationId: number, done: string) =>
  redirect(`/admin/donations/${donationId}?receipt=${done}#receipt-desk`)

export async function receiptResend({ db, actor, donationId, form }: IntentArgs) {
  const parsed = ResendForm.safeParse(formValues(form))
  if (!parsed.success) throw new Refusal('receipts.desk.error.invalid')
  await resendReceipt(db, actor, { donationId, key: parsed.data.key })
  return back(donationId, 'resent')
}

export async function receiptCorrect({ db, actor, donationId, form }: IntentArgs) {
  const values = formValues(form)
  const parsed = CorrectDonorForm.safeParse(values)
  if (!parsed.success)
    return data({ intent: 'receipt-correct' as const, errors: fieldErrors(parsed.error), values }, { status: 400 })
  await correctDonor(db, actor, { donationId, ...parsed.data })
  return back(donationId, 'corrected')
}

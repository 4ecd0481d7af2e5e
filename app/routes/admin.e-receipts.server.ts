import { data, redirect } from '@remix-run/node'
import { fieldErrors } from '~/modules/auth/schema'
import { OfficialAttachForm, OfficialReversalForm } from '~/modules/receipts/official-schema'
import { attachOfficial, recordReversal, type Actor } from '~/modules/receipts/official.server'
import type { DB } from '~/utils/db.server'
import { formValues } from '~/utils/http.server'

// The official-receipt queue's intents: attach the bureau's receipt, record a reversal (冲红).
// Each answers a redirect, field errors (400) for the request they name, or throws the
// module's Refusal, which the action turns into its answer.

export type IntentArgs = { db: DB; actor: Actor; form: FormData }

const requestOf = (values: Record<string, string>) => Number(values.request) || null

export async function attach({ db, actor, form }: IntentArgs) {
  const values = formValues(form)
  const parsed = OfficialAttachForm.safeParse(values)
  if (!parsed.success)
    return data({ request: requestOf(values), errors: fieldErrors(parsed.error), values }, { status: 400 })
  await attachOfficial(db, actor, parsed.data)
  return redirect('/admin/e-receipts?done=attached')
}

export async function reverse({ db, actor, form }: IntentArgs) {
  const values = formValues(form)
  const parsed = OfficialReversalForm.safeParse(values)
  if (!parsed.success)
    return data({ request: requestOf(values), errors: fieldErrors(parsed.error), values }, { status: 400 })
  await recordReversal(db, actor, parsed.data)
  return redirect('/admin/e-receipts?view=attached&done=reversed')
}

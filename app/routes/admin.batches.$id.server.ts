import { redirect } from '@remix-run/node'
import { approveBatch, recordPayout, rejectBatch, type Approver } from '~/modules/disbursements/batches.server'
import { fileBytes } from '~/modules/disbursements/uploads.server'
import type { DB } from '~/utils/db.server'
import { notFound } from '~/utils/http.server'
import { Refusal } from '~/utils/refusal'

// The batch page's intents, one function each (the page's action picks one by `intent`).
// Each answers a redirect, throws notFound() for a batch out of reach, or throws the
// module's Refusal, which the action turns into its answer.

export type IntentArgs = { db: DB; actor: Approver; batchId: number; form: FormData }

export async function approve({ db, actor, batchId }: IntentArgs) {
  const outcome = await approveBatch(db, actor, { batchId })
  if (outcome === 'notFound') throw notFound()
  return redirect(`/admin/batches/${batchId}?done=${outcome}`)
}

export async function reject({ db, actor, batchId, form }: IntentArgs) {
  const reason = String(form.get('reason') ?? '').slice(0, 500)
  if ((await rejectBatch(db, actor, { batchId, reason })) === 'notFound') throw notFound()
  return redirect(`/admin/batches/${batchId}`)
}

export async function payout({ db, actor, batchId, form }: IntentArgs) {
  const proof = await fileBytes(form.get('proof'))
  if (!proof) throw new Refusal('upload.error.missing')
  const outcome = await recordPayout(db, actor, {
    batchId,
    reference: String(form.get('reference') ?? ''),
    date: String(form.get('date') ?? ''),
    proof,
  })
  if (outcome === 'notFound') throw notFound()
  return redirect(`/admin/batches/${batchId}`)
}

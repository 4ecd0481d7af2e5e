import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiTrace } from '~/modules/transparency/api-data.server'
import { cachedJson, jsonError } from '~/modules/transparency/api.server'
import { DonationRef } from '~/modules/transparency/schema'
import { getDb } from '~/utils/db.server'

// A donation's trace by its public id (the open data's `donation` column).
export async function loader({ request, params }: LoaderFunctionArgs) {
  const ref = DonationRef.safeParse(params.donation)
  if (!ref.success) return jsonError(404, 'not found')
  const db = getDb()
  return cachedJson(db, request, () => apiTrace(db, ref.data))
}

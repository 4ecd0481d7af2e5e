import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiTransaction } from '~/modules/transparency/api-data.server'
import { cachedJson, jsonError } from '~/modules/transparency/api.server'
import { SequenceParam } from '~/modules/transparency/schema'
import { getDb } from '~/utils/db.server'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const sequence = SequenceParam.safeParse(params.sequence)
  if (!sequence.success) return jsonError(404, 'not found')
  const db = getDb()
  return cachedJson(db, request, () => apiTransaction(db, sequence.data))
}

import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiTransactions } from '~/modules/transparency/api-data.server'
import { cachedJson, jsonError } from '~/modules/transparency/api.server'
import { LedgerQuery } from '~/modules/transparency/schema'
import { getDb } from '~/utils/db.server'

// ?kind=&fund=&campaign=&from=&to=&before=&after=&limit= — newest first, keyset pages.
export async function loader({ request }: LoaderFunctionArgs) {
  const query = LedgerQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams))
  if (!query.success) return jsonError(400, 'invalid query', query.error.flatten().fieldErrors)
  const db = getDb()
  return cachedJson(db, request, () => apiTransactions(db, query.data))
}

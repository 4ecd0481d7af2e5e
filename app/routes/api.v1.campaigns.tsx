import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiCampaigns } from '~/modules/transparency/api-data.server'
import { cachedJson } from '~/modules/transparency/api.server'
import { getDb } from '~/utils/db.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb()
  return cachedJson(db, request, () => apiCampaigns(db))
}

import type { LoaderFunctionArgs } from '@remix-run/node'
import { getHead } from '~/modules/ledger'
import { conditional } from '~/modules/transparency/api.server'
import { PUBLIC_DATA_CACHE } from '~/modules/transparency/http'
import { getDb } from '~/utils/db.server'

// /open-data/head.json: the chain head beside the datasets, {"sequence":"…","hash":"…"} with
// the sequence a decimal string, as public/open-data.md states.
export async function loader({ request }: LoaderFunctionArgs) {
  const db = getDb()
  const { etag, response } = await conditional(db, request, { file: 'head.json' })
  if (response) return response
  const head = await getHead(db)
  return new Response(JSON.stringify({ sequence: String(head.sequence), hash: head.hash }), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': PUBLIC_DATA_CACHE,
      ETag: etag,
      'Access-Control-Allow-Origin': '*',
    },
  })
}

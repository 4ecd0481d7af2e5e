// The read-only JSON API and the downloads share one rule for caching: the answer is a
// function of the chain head and the URL, so the ETag is too, and a matching
// If-None-Match gets 304 before any work is done.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { PUBLIC_DATA_CACHE } from './http'
import { exportEtag, notModified } from './opendata.server'
import { withoutWithheld } from './withheld.server'

type Db = Kysely<Database>

/** 304 when the client's copy is current; otherwise the ETag to send. */
export async function conditional(
  db: Db,
  request: Request,
  parts: Record<string, string | undefined>,
): Promise<{ etag: string; response?: Response }> {
  const etag = await exportEtag(db, parts)
  if (notModified(request, etag))
    return {
      etag,
      response: new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': PUBLIC_DATA_CACHE } }),
    }
  return { etag }
}

/** A cacheable JSON answer (or 304), computed only when needed. */
export async function cachedJson(db: Db, request: Request, compute: () => Promise<unknown>): Promise<Response> {
  const url = new URL(request.url)
  const { etag, response } = await conditional(db, request, { path: url.pathname, query: url.search })
  if (response) return response
  const body = await withoutWithheld(db, await compute())
  if (body === undefined) return jsonError(404, 'not found')
  return new Response(JSON.stringify(body), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      ETag: etag,
      'Cache-Control': PUBLIC_DATA_CACHE,
      'Access-Control-Allow-Origin': '*',
    },
  })
}

export function jsonError(status: number, error: string, details?: unknown): Response {
  return new Response(JSON.stringify({ error, details }), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  })
}

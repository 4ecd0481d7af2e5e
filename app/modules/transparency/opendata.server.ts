// Open-data downloads: the ledger's documented export (public/open-data.md), whole or
// narrowed to one campaign's fund and a date range, streamed batch by batch so that
// memory stays flat whatever the size. ETags come from the chain head: the export is
// a function of the ledger, so an unchanged head means an unchanged file.
import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { EXPORT_DATASETS, exportDataset, getHead, type ExportDataset, type ExportFormat } from '../ledger'
import type { ExportFilter } from '../ledger/export.server'
import { maskText, withheldCodes, withheldVersion } from './withheld.server'

type Db = Kysely<Database>
export { EXPORT_DATASETS, type ExportDataset, type ExportFilter, type ExportFormat }

/** Lines of one dataset: the ledger's own export with withheld student codes replaced. */
export async function* exportLines(
  db: Db,
  input: { dataset: ExportDataset; format: ExportFormat; filter?: ExportFilter; batchSize?: number },
): AsyncGenerator<string> {
  const withheld = await withheldCodes(db)
  // A withheld code's disclosure (value and salt) is left out; its commitment stays.
  const withhold = (key: string, value: string) => key === 'beneficiary' && withheld.has(value)
  for await (const line of exportDataset(db, { ...input, withhold })) yield maskText(line, withheld)
}

/** A strong validator: chain head + what was asked. */
export async function exportEtag(db: Db, parts: Record<string, string | undefined>): Promise<string> {
  const head = await getHead(db)
  // Publishing, editing or closing a campaign changes the answers without a ledger posting.
  const campaigns = await db
    .selectFrom('campaigns')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('at')])
    .executeTakeFirst()
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        head.sequence,
        head.hash,
        await withheldVersion(db),
        parts,
        Number(campaigns?.n ?? 0),
        campaigns?.at ?? null,
      ]),
    )
    .digest('base64url')
    .slice(0, 22)
  return `"${head.sequence}-${digest}"`
}

/** Does If-None-Match name this ETag (or *)? */
export function notModified(request: Request, etag: string): boolean {
  const header = request.headers.get('If-None-Match')
  if (!header) return false
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '')
    return tag === '*' || tag === etag
  })
}

/**
 * An async generator as a byte stream, pulled only as fast as the client reads: the
 * server's writer (writeBody in app/cli/server.ts) waits for the socket's 'drain' before
 * it reads the next chunk, so memory stays at a batch or two whatever the file's size.
 */
export function toStream(lines: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await lines.next()
          if (done) controller.close()
          else controller.enqueue(encoder.encode(value))
        } catch (error) {
          controller.error(error)
        }
      },
      async cancel() {
        await lines.return(undefined)
      },
    },
    // Nothing read ahead: the next batch is queried when the writer asks for it.
    { highWaterMark: 0 },
  )
}

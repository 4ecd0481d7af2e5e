// Open-data downloads: the ledger's documented export (public/open-data.md), whole or
// narrowed to one campaign's fund and a date range, streamed batch by batch so that
// memory stays flat whatever the size. ETags come from the chain head: the export is
// a function of the ledger, so an unchanged head means an unchanged file.
import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { EXPORT_DATASETS, exportDataset, getHead, type ExportDataset, type ExportFormat } from '../ledger'
import { exportLinesFrom, type ExportRow } from '../ledger/export.server'

type Db = Kysely<Database>
export { EXPORT_DATASETS, type ExportDataset, type ExportFormat }

export type ExportFilter = { fund?: string; from?: string; to?: string }
type Row = ExportRow

const s = (v: number | null) => (v === null ? null : String(v))
const filtered = (f: ExportFilter) => Boolean(f.fund || f.from || f.to)

/** A batch of a filtered dataset after `cursor` (keyset on the dataset's id). */
async function page(
  db: Db,
  dataset: ExportDataset,
  f: ExportFilter,
  cursor: number,
  limit: number,
): Promise<{ rows: Row[]; next: number }> {
  // Transactions (and their transfers and traces) in range that touch the fund.
  const txScope = (q: any, col: string): any => {
    let out = q
    if (f.fund) {
      out = out.where((eb: any) =>
        eb.exists(
          db
            .selectFrom('ledger_transfers as ff')
            .select('ff.sequence')
            .whereRef('ff.sequence', '=', col as any)
            .where((e) => e.or([e('ff.from_account', '=', f.fund!), e('ff.to_account', '=', f.fund!)])),
        ),
      )
    }
    if (f.from || f.to) {
      out = out.where((eb: any) => {
        let sub = db
          .selectFrom('ledger_transactions as tx')
          .select('tx.sequence')
          .whereRef('tx.sequence', '=', col as any)
        if (f.from) sub = sub.where('tx.occurred_at', '>=', f.from)
        if (f.to) sub = sub.where('tx.occurred_at', '<=', f.to)
        return eb.exists(sub)
      })
    }
    return out
  }
  switch (dataset) {
    case 'accounts':
    case 'transactions': {
      if (dataset === 'accounts') return { rows: [], next: cursor } // names are not filtered: use the whole file
      const r = (await txScope(
        db
          .selectFrom('ledger_transactions as x')
          .select(['x.sequence', 'x.kind', 'x.occurred_at', 'x.refs', 'x.prev_hash', 'x.hash']),
        'x.sequence',
      )
        .where('x.sequence', '>', cursor)
        .orderBy('x.sequence')
        .limit(limit)
        .execute()) as {
        sequence: number
        kind: string
        occurred_at: string
        refs: string
        prev_hash: string
        hash: string
      }[]
      return {
        rows: r.map((t) => ({ ...t, sequence: String(t.sequence), refs: JSON.parse(t.refs) })),
        next: r.at(-1)?.sequence ?? cursor,
      }
    }
    case 'transfers': {
      const r = (await txScope(db.selectFrom('ledger_transfers as t').selectAll('t'), 't.sequence')
        .where('t.id', '>', cursor)
        .orderBy('t.id')
        .limit(limit)
        .execute()) as Database['ledger_transfers'][]
      return {
        rows: r.map((t: any) => ({
          sequence: String(t.sequence),
          position: String(t.position),
          from: t.from_account,
          to: t.to_account,
          amount: String(t.amount),
          currency: t.currency,
        })),
        next: Number((r.at(-1) as any)?.id ?? cursor),
      }
    }
    case 'donations': {
      let q = db.selectFrom('ledger_donations').selectAll().where('id', '>', cursor)
      if (f.fund) q = q.where('fund', '=', f.fund)
      if (f.from) q = q.where('paid_at', '>=', f.from)
      if (f.to) q = q.where('paid_at', '<=', f.to)
      const r = await q.orderBy('id').limit(limit).execute()
      return {
        rows: r.map((d) => ({
          donation: d.donation_ref,
          display_name: d.display_name,
          fund: d.fund,
          amount: String(d.gross),
          fee: String(d.fee),
          net: String(d.gross - d.fee),
          currency: d.currency,
          paid_at: d.paid_at,
          sequence: String(d.sequence),
        })),
        next: r.at(-1)?.id ?? cursor,
      }
    }
    case 'lots': {
      let q = db
        .selectFrom('ledger_lots as l')
        .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
        .select([
          'l.id',
          'l.sequence',
          'd.donation_ref',
          'l.fund',
          'l.currency',
          'l.amount',
          'l.paid_at',
          'l.source_trace_id',
        ])
        .where('l.id', '>', cursor)
      if (f.fund) q = q.where('l.fund', '=', f.fund)
      if (f.from) q = q.where('l.paid_at', '>=', f.from)
      if (f.to) q = q.where('l.paid_at', '<=', f.to)
      const r = await q.orderBy('l.id').limit(limit).execute()
      return {
        rows: r.map((l) => ({
          lot: String(l.id),
          sequence: String(l.sequence),
          donation: l.donation_ref,
          fund: l.fund,
          currency: l.currency,
          amount: String(l.amount),
          paid_at: l.paid_at,
          source_trace: s(l.source_trace_id),
        })),
        next: r.at(-1)?.id ?? cursor,
      }
    }
    case 'traces': {
      let q = db
        .selectFrom('ledger_traces as t')
        .innerJoin('ledger_lots as l', 'l.id', 't.lot_id')
        .innerJoin('ledger_donations as d', 'd.id', 'l.donation_id')
        .select([
          't.id',
          't.sequence',
          't.kind',
          't.lot_id',
          'd.donation_ref',
          't.amount',
          't.currency',
          't.beneficiary_code',
          't.parent_id',
        ])
        .where('t.id', '>', cursor)
      if (f.fund) q = q.where('l.fund', '=', f.fund)
      q = txScope(q, 't.sequence')
      const r = await q.orderBy('t.id').limit(limit).execute()
      return {
        rows: r.map((t) => ({
          trace: String(t.id),
          sequence: String(t.sequence),
          kind: t.kind,
          lot: String(t.lot_id),
          donation: t.donation_ref,
          amount: String(t.amount),
          currency: t.currency,
          beneficiary: t.beneficiary_code,
          parent: s(t.parent_id),
        })),
        next: r.at(-1)?.id ?? cursor,
      }
    }
  }
}

/** Lines of one dataset; unfiltered it is exactly the ledger's own export. */
export async function* exportLines(
  db: Db,
  input: { dataset: ExportDataset; format: ExportFormat; filter?: ExportFilter; batchSize?: number },
): AsyncGenerator<string> {
  const f = input.filter ?? {}
  if (!filtered(f) || input.dataset === 'accounts') {
    yield* exportDataset(db, { dataset: input.dataset, format: input.format, batchSize: input.batchSize ?? 1000 })
    return
  }
  yield* exportLinesFrom(input.dataset, input.format, (cursor) =>
    page(db, input.dataset, f, cursor, input.batchSize ?? 1000),
  )
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
    .update(JSON.stringify([head.sequence, head.hash, parts, Number(campaigns?.n ?? 0), campaigns?.at ?? null]))
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
 * An async generator as a byte stream, pulled only as fast as the client reads. Remix's
 * Node adapter writes to the socket without waiting for 'drain', so between chunks we
 * also give the event loop an I/O turn: the socket flushes before the next batch is read,
 * and memory stays at a few batches whatever the file's size.
 */
export function toStream(lines: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        await new Promise((resolve) => setImmediate(resolve))
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
  })
}

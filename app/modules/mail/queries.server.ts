import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../../../db/schema'
import type { MailOutboxTable, OutboxStatus } from '../../../db/tables/mail'
import { isTemplateName, templates, type EmailLocale, type RenderedEmail } from '../../../emails'
import { renderOutboxRow } from './render.server'

// Reads for the staff outbox page (permission outbox.read). Without SMTP_URL this is
// where mail is read: the list, and one message rendered exactly as it would be sent.

export type OutboxListItem = {
  id: number
  to: string
  template: string
  locale: string
  subject: string
  status: OutboxStatus
  attempts: number
  createdAt: string
  sentAt: string | null
  nextAttemptAt: string
  lastError: string | null
}

function subjectOf(row: { template: string; locale: string; props: string }): string {
  if (!isTemplateName(row.template)) return row.template
  const locale: EmailLocale = row.locale === 'en' ? 'en' : 'zh-CN'
  const subject = templates[row.template].subject as (p: object) => string
  try {
    return subject({ ...JSON.parse(row.props), locale })
  } catch {
    return row.template
  }
}

/** A stored message as the outbox page lists it. */
function outboxItem(r: Selectable<MailOutboxTable>): OutboxListItem {
  return {
    id: r.id,
    to: r.to_address,
    template: r.template,
    locale: r.locale,
    subject: subjectOf(r),
    status: r.status,
    attempts: r.attempts,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
  }
}

/** Newest first, keyset-paginated by id. */
export async function listOutbox(
  db: Kysely<Database>,
  { status, to, before, limit = 50 }: { status?: OutboxStatus; to?: string; before?: number; limit?: number } = {},
): Promise<{ items: OutboxListItem[]; next: number | null; counts: Record<OutboxStatus, number> }> {
  let q = db
    .selectFrom('mail_outbox')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(limit, 1), 200) + 1)
  if (status) q = q.where('status', '=', status)
  if (to) q = q.where('to_address', '=', to.trim())
  if (before) q = q.where('id', '<', before)
  const rows = await q.execute()
  const page = rows.slice(0, limit)
  const grouped = await db
    .selectFrom('mail_outbox')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute()
  const counts: Record<OutboxStatus, number> = { queued: 0, sending: 0, sent: 0, failed: 0 }
  for (const g of grouped) counts[g.status] = Number(g.n)
  return {
    items: page.map(outboxItem),
    next: rows.length > limit ? page[page.length - 1]!.id : null,
    counts,
  }
}

/** One message with its rendered subject, HTML and text; undefined when there is no such row. */
export async function getOutboxMessage(
  db: Kysely<Database>,
  id: number,
): Promise<(OutboxListItem & { messageId: string; dedupeKey: string; rendered: RenderedEmail }) | undefined> {
  const r = await db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst()
  if (!r) return undefined
  return {
    ...outboxItem(r),
    messageId: r.message_id,
    dedupeKey: r.dedupe_key,
    rendered: await renderOutboxRow(r),
  }
}

/** Put a failed message back in the queue (staff action after fixing the cause). */
export async function retryOutboxMessage(
  db: Kysely<Database>,
  id: number,
  now = new Date().toISOString(),
): Promise<boolean> {
  const result = await db
    .updateTable('mail_outbox')
    .set({ status: 'queued', attempts: 0, next_attempt_at: now, last_error: null })
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/**
 * Headers for serving a message's HTML into a sandboxed iframe: no scripts, no
 * same-origin access, and a CSP that blocks everything but inline styles and images.
 */
export const EMAIL_PREVIEW_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; sandbox",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'private, no-store',
} as const

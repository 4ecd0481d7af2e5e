import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { EmailProps, TemplateName } from '../../../emails'
import { getEnv } from '~/utils/env.server'
import type { Locale } from '~/utils/i18n'
import { getOrganisation } from '../organisation/settings.server'

// The outbox: an email is a row written in the same transaction as the event that
// causes it, so a committed donation always has its receipt mail and a rolled-back
// one never does. Workers (worker.server.ts) deliver the rows afterwards.

export type QueueEmailInput<T extends TemplateName> = {
  to: string
  template: T
  locale: Locale
  props: EmailProps<T>
  /** Names the event; queuing the same key again is a no-op. */
  dedupeKey: string
  now?: string
}

/** A Message-ID fixed at queue time: a resend after a crash carries the same one, so it can be deduplicated. */
export function newMessageId(baseUrl: string): string {
  const host = new URL(baseUrl).hostname || 'hope-ledger.local'
  return `<${crypto.randomUUID()}@${host}>`
}

export async function queueEmail<T extends TemplateName>(
  trx: Kysely<Database>,
  input: QueueEmailInput<T>,
): Promise<{ id: number; created: boolean }> {
  if (!/^[^\s@]+@[^\s@]+$/.test(input.to))
    throw new Error(`queueEmail: not an email address: ${JSON.stringify(input.to)}`)
  const now = input.now ?? new Date().toISOString()
  // The sender's particulars as they are now: the mail (a receipt above all) keeps saying
  // who issued it even if the settings change before it is sent or viewed again.
  const org = await getOrganisation(trx)
  const inserted = await trx
    .insertInto('mail_outbox')
    .values({
      dedupe_key: input.dedupeKey,
      to_address: input.to,
      template: input.template,
      locale: input.locale,
      props: JSON.stringify({ ...input.props, org }),
      message_id: newMessageId(getEnv().BASE_URL),
      status: 'queued',
      next_attempt_at: now,
      created_at: now,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (inserted) return { id: inserted.id, created: true }
  const existing = await trx
    .selectFrom('mail_outbox')
    .select('id')
    .where('dedupe_key', '=', input.dedupeKey)
    .executeTakeFirstOrThrow()
  return { id: existing.id, created: false }
}

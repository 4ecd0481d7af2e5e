import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { EmailProps, TemplateName } from '../../../emails'
import { getEnv } from '~/utils/env.server'
import type { Locale } from '~/utils/i18n'
import { present } from '~/utils/invariant'
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

/** An email of any template. */
export type AnyQueueEmailInput = { [T in TemplateName]: QueueEmailInput<T> }[TemplateName]

/** A Message-ID fixed at queue time: a resend after a crash carries the same one, so it can be deduplicated. */
export function newMessageId(baseUrl: string): string {
  const host = new URL(baseUrl).hostname || 'hope-ledger.local'
  return `<${crypto.randomUUID()}@${host}>`
}

export async function queueEmail<T extends TemplateName>(
  trx: Kysely<Database>,
  input: QueueEmailInput<T>,
): Promise<{ id: number; created: boolean }> {
  const [one] = await queueEmails(trx, [input as AnyQueueEmailInput])
  return present(one, 'one email, one row')
}

/** queueEmail for several, in one insert (the mails of a group commit's receipts). */
export async function queueEmails(
  trx: Kysely<Database>,
  inputs: AnyQueueEmailInput[],
): Promise<{ id: number; created: boolean }[]> {
  if (!inputs.length) return []
  for (const input of inputs)
    if (!/^[^\s@]+@[^\s@]+$/.test(input.to))
      throw new Error(`queueEmail: not an email address: ${JSON.stringify(input.to)}`)
  // The sender's particulars as they are now: the mail (a receipt above all) keeps saying
  // who issued it even if the settings change before it is sent or viewed again.
  const org = await getOrganisation(trx)
  const rows = inputs.map((input) => {
    const now = input.now ?? new Date().toISOString()
    return {
      dedupe_key: input.dedupeKey,
      to_address: input.to,
      template: input.template,
      locale: input.locale,
      props: JSON.stringify({ ...input.props, org }),
      message_id: newMessageId(getEnv().BASE_URL),
      status: 'queued' as const,
      next_attempt_at: now,
      created_at: now,
    }
  })
  const inserted = new Map(
    (
      await trx
        .insertInto('mail_outbox')
        .values(rows)
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .returning(['id', 'dedupe_key'])
        .execute()
    ).map((r) => [r.dedupe_key, r.id]),
  )
  const missing = inputs.map((i) => i.dedupeKey).filter((k) => !inserted.has(k))
  const existing = new Map(
    missing.length
      ? (
          await trx.selectFrom('mail_outbox').select(['id', 'dedupe_key']).where('dedupe_key', 'in', missing).execute()
        ).map((r) => [r.dedupe_key, r.id])
      : [],
  )
  // A key queued twice in one call: the first is the new row, the second finds it.
  const seen = new Set<string>()
  return inputs.map(({ dedupeKey }) => {
    const id = inserted.get(dedupeKey)
    const created = id !== undefined && !seen.has(dedupeKey)
    seen.add(dedupeKey)
    return { id: present(id ?? existing.get(dedupeKey), () => `the outbox row of ${dedupeKey}`), created }
  })
}

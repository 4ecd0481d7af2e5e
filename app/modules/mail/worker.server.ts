import crypto from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../../../db/schema'
import type { MailOutboxTable } from '../../../db/tables/mail'
import { dialectOf } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { renderOutboxRow } from './render.server'
import type { OutboxTransport } from './transport.server'

// Delivery is at-least-once with a stable Message-ID. SMTP has no two-phase commit
// with our database: a worker that dies after the server accepted a message but
// before it marked the row sent will have that row reclaimed when its lease expires,
// and the message is sent again with the same Message-ID (fixed at queue time), by
// which receiving systems and mail clients can recognise the duplicate. Without a
// crash, each row is sent once: claiming is atomic (FOR UPDATE SKIP LOCKED on
// PostgreSQL; a single UPDATE … RETURNING under SQLite's one writer), and a row is
// marked sent only by the worker that holds its lease.

export type OutboxRow = Selectable<MailOutboxTable>

export type WorkerOptions = {
  transport: OutboxTransport
  /** Sender; MAIL_FROM when not given. */
  from?: string
  signal?: AbortSignal
  workerId?: string
  batchSize?: number
  /** How long a claimed row is ours; an expired lease is reclaimed by any worker. */
  leaseMs?: number
  pollMs?: number
  maxAttempts?: number
  /** First retry delay; doubles each attempt up to maxBackoffMs. */
  backoffMs?: number
  maxBackoffMs?: number
  /** Return once nothing is due (CLIs and tests); otherwise poll until the signal aborts. */
  exitWhenIdle?: boolean
  clock?: () => Date
  log?: (message: string) => void
}

export type WorkerStats = { claimed: number; sent: number; retried: number; failed: number }

const defaults = {
  batchSize: 10,
  leaseMs: 120_000,
  pollMs: 2_000,
  maxAttempts: 10,
  backoffMs: 30_000,
  maxBackoffMs: 3_600_000,
}

/** Options over defaults; an option given as undefined keeps its default. */
function resolve(options: WorkerOptions) {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as WorkerOptions
  return {
    ...defaults,
    ...given,
    from: options.from ?? getEnv().MAIL_FROM,
    workerId: options.workerId ?? `worker-${crypto.randomUUID()}`,
  }
}

/** Retry delay after the given attempt: exponential, capped, with ±20% jitter so retries spread out. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(raw * (0.8 + 0.4 * random()))
}

/** Take up to `limit` due rows (queued and due, or sending with an expired lease) for this worker. */
export async function claimJobs(
  db: Kysely<Database>,
  { workerId, limit, leaseMs, now }: { workerId: string; limit: number; leaseMs: number; now: Date },
): Promise<OutboxRow[]> {
  const at = now.toISOString()
  const due = db
    .selectFrom('mail_outbox')
    .select('id')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', at)]),
        eb.and([eb('status', '=', 'sending'), eb('lease_expires_at', '<=', at)]),
      ]),
    )
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit)
  const claim = {
    status: 'sending' as const,
    lease_owner: workerId,
    lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(),
  }
  if (dialectOf(db) === 'postgres') {
    // Rows another worker has locked are skipped, not waited for: several workers
    // drain one queue without ever claiming the same row. The CTE is materialised so
    // the locking SELECT runs exactly once.
    const rows = await db
      .with(
        (cte) => cte('due').materialized(),
        () => due.forUpdate().skipLocked(),
      )
      .updateTable('mail_outbox')
      .set(claim)
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .returningAll()
      .execute()
    return rows.sort((a, b) => a.id - b.id) // RETURNING has no order; send oldest first
  }
  // SQLite: one statement under the database's single write lock is atomic.
  const rows = await db
    .updateTable('mail_outbox')
    .set(claim)
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', due)
    .returningAll()
    .execute()
  return rows.sort((a, b) => a.id - b.id)
}

/** Give claimed, unsent jobs back to the queue (the claim's attempt is not counted). */
async function releaseJobs(db: Kysely<Database>, workerId: string, ids: number[]): Promise<void> {
  if (ids.length === 0) return
  await db
    .updateTable('mail_outbox')
    .set((eb) => ({ status: 'queued', lease_owner: null, lease_expires_at: null, attempts: eb('attempts', '-', 1) }))
    .where('id', 'in', ids)
    .where('lease_owner', '=', workerId)
    .where('status', '=', 'sending')
    .execute()
}

/** Claim one batch and deliver it. */
export async function processBatch(db: Kysely<Database>, options: WorkerOptions): Promise<WorkerStats> {
  const o = resolve(options)
  const clock = o.clock ?? (() => new Date())
  const workerId = o.workerId
  const stats: WorkerStats = { claimed: 0, sent: 0, retried: 0, failed: 0 }
  const jobs = await claimJobs(db, { workerId, limit: o.batchSize, leaseMs: o.leaseMs, now: clock() })
  stats.claimed = jobs.length
  for (const [index, job] of jobs.entries()) {
    if (o.signal?.aborted) {
      // Shutting down: hand the unsent rest back at once rather than after the lease.
      await releaseJobs(
        db,
        workerId,
        jobs.slice(index).map((j) => j.id),
      )
      break
    }
    // Renew the lease right before sending, so a slow batch never sends on an expired one.
    const renewed = await db
      .updateTable('mail_outbox')
      .set({ lease_expires_at: new Date(clock().getTime() + o.leaseMs).toISOString() })
      .where('id', '=', job.id)
      .where('lease_owner', '=', workerId)
      .where('status', '=', 'sending')
      .executeTakeFirst()
    if (Number(renewed.numUpdatedRows) !== 1) continue
    try {
      const mail = await renderOutboxRow(job)
      await o.transport.sendMail({
        from: o.from,
        to: job.to_address,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: job.message_id,
        headers: { 'X-Hope-Ledger-Outbox': String(job.id) },
      })
      const marked = await db
        .updateTable('mail_outbox')
        .set({
          status: 'sent',
          sent_at: clock().toISOString(),
          lease_owner: null,
          lease_expires_at: null,
          last_error: null,
        })
        .where('id', '=', job.id)
        .where('lease_owner', '=', workerId)
        .where('status', '=', 'sending')
        .executeTakeFirst()
      if (Number(marked.numUpdatedRows) !== 1)
        o.log?.(`outbox ${job.id}: lease lost while sending; another worker may resend it (same Message-ID)`)
      stats.sent++
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const final = job.attempts >= o.maxAttempts
      const next = new Date(clock().getTime() + backoffDelay(job.attempts, o.backoffMs, o.maxBackoffMs)).toISOString()
      await db
        .updateTable('mail_outbox')
        .set({
          status: final ? 'failed' : 'queued',
          next_attempt_at: next,
          lease_owner: null,
          lease_expires_at: null,
          last_error: message.slice(0, 1000),
        })
        .where('id', '=', job.id)
        .where('lease_owner', '=', workerId)
        .execute()
      if (final) stats.failed++
      else stats.retried++
      o.log?.(
        `outbox ${job.id}: attempt ${job.attempts} failed (${message})${final ? '; giving up' : `; retry at ${next}`}`,
      )
    }
  }
  return stats
}

/** Drain the outbox until the signal aborts (or, with exitWhenIdle, until nothing is due). */
export async function runOutboxWorker(db: Kysely<Database>, options: WorkerOptions): Promise<WorkerStats> {
  const o = resolve(options)
  const total: WorkerStats = { claimed: 0, sent: 0, retried: 0, failed: 0 }
  while (!o.signal?.aborted) {
    let stats: WorkerStats
    try {
      stats = await processBatch(db, o)
    } catch (error) {
      // The database went away mid-batch: keep the worker alive. Rows it had claimed
      // keep their lease and are picked up again when it expires.
      o.log?.(`outbox batch failed: ${error instanceof Error ? error.message : String(error)}`)
      if (o.exitWhenIdle) throw error
      stats = { claimed: 0, sent: 0, retried: 0, failed: 0 }
    }
    for (const k of Object.keys(total) as Array<keyof WorkerStats>) total[k] += stats[k]
    if (stats.claimed > 0) continue
    if (o.exitWhenIdle) break
    try {
      await sleep(o.pollMs, undefined, { signal: o.signal })
    } catch {
      break // aborted while idle
    }
  }
  return total
}

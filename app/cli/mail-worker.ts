// npm run mail:worker (tsx app/cli/mail-worker.ts): drain the mail outbox over SMTP_URL.
// Run as many as you like against one PostgreSQL; each takes jobs with FOR UPDATE
// SKIP LOCKED. SIGINT/SIGTERM stop it after the message in hand; rows it had claimed
// but not sent are reclaimed by any worker once their lease expires.
//
//   --once           exit when nothing is due (cron-style) instead of polling
//   --lease-ms N     how long a claimed job is ours (default 120000)
//   --poll-ms N      idle wait between polls (default 2000)
//   --batch-size N   jobs claimed at a time (default 10)
//   --backoff-ms N   first retry delay, doubling per attempt (default 30000)
import { parseArgs } from 'node:util'
import { runOutboxWorker } from '../modules/mail/worker.server'
import { createSmtpTransport } from '../modules/mail/transport.server'
import { getDb } from '../utils/db.server'
import { getEnv } from '../utils/env.server'

const { values } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    'lease-ms': { type: 'string' },
    'poll-ms': { type: 'string' },
    'batch-size': { type: 'string' },
    'backoff-ms': { type: 'string' },
  },
})
const num = (v: string | undefined) => (v === undefined ? undefined : Number.parseInt(v, 10))

const env = getEnv()
if (!env.SMTP_URL) {
  console.log('mail worker: SMTP_URL is not set; mail stays in the outbox (readable on the admin outbox page)')
  process.exit(0)
}

const controller = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort())

const db = getDb()
const transport = createSmtpTransport(env.SMTP_URL)
const stats = await runOutboxWorker(db, {
  transport,
  from: env.MAIL_FROM,
  signal: controller.signal,
  exitWhenIdle: values.once,
  leaseMs: num(values['lease-ms']),
  pollMs: num(values['poll-ms']),
  batchSize: num(values['batch-size']),
  backoffMs: num(values['backoff-ms']),
  log: (line) => console.log(`mail worker: ${line}`),
})
console.log(`mail worker: sent ${stats.sent}, retried ${stats.retried}, failed ${stats.failed}`)
transport.close?.()
await db.destroy()

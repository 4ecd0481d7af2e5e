import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queueEmail } from '~/modules/mail/outbox.server'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { startSmtpServer } from '../support/smtp'

// The worker as a real process (app/cli/mail-worker.ts), killed with SIGKILL after the
// SMTP server has the message but before the worker hears "250" and marks it sent.
// Delivery is at-least-once with a stable Message-ID: after a restart every job is
// delivered, the one in flight at the crash exactly twice under the same Message-ID,
// every other job once.

const LEASE_MS = 1500

function startWorker(env: Record<string, string>, args: string[] = []): ChildProcess {
  // node --import tsx: one process, so SIGKILL hits the worker itself, not a wrapper.
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'app/cli/mail-worker.ts',
      '--lease-ms',
      String(LEASE_MS),
      '--poll-ms',
      '100',
      '--batch-size',
      '4',
      ...args,
    ],
    {
      env: { ...process.env, ...env, NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
}

describe.skipIf(skipReason)(`mail worker crash and restart on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
  })
  afterAll(async () => t?.destroy())

  it('delivers every job after a SIGKILL between send and mark; the duplicate keeps its Message-ID', async () => {
    const total = 10
    for (let i = 0; i < total; i++) {
      await t.db.transaction().execute((trx) =>
        queueEmail(trx, {
          to: `d${i}@example.org`,
          template: 'sign-in-link',
          locale: 'zh-CN',
          props: { url: `https://x.test/${i}`, expiresInMinutes: 15 },
          dedupeKey: `crash-${i}`,
        }),
      )
    }
    let first: ChildProcess | undefined
    let output = ''
    const smtp = await startSmtpServer({
      beforeReply: async (_mail, index) => {
        if (index !== 5 || !first) return
        first.kill('SIGKILL')
        if (first.exitCode === null && first.signalCode === null) await once(first, 'exit')
      },
    })
    try {
      const env = { DATABASE_URL: t.url, SMTP_URL: smtp.url }
      first = startWorker(env)
      first.stdout?.on('data', (c) => (output += c))
      first.stderr?.on('data', (c) => (output += c))
      const [, signal] = (await once(first, 'exit')) as [number | null, string | null]
      expect(signal, output).toBe('SIGKILL')
      expect(smtp.received).toHaveLength(6)

      const inFlight = await t.db
        .selectFrom('mail_outbox')
        .select(['id', 'status'])
        .where('status', '=', 'sending')
        .execute()
      expect(inFlight.length).toBeGreaterThan(0) // claimed by the dead worker, waiting for its lease to expire

      await new Promise((r) => setTimeout(r, LEASE_MS + 200))
      const second = startWorker(env, ['--once'])
      let out2 = ''
      second.stdout?.on('data', (c) => (out2 += c))
      second.stderr?.on('data', (c) => (out2 += c))
      const [code] = (await once(second, 'exit')) as [number | null]
      expect(code, out2).toBe(0)

      const rows = await t.db.selectFrom('mail_outbox').select(['message_id', 'status']).execute()
      expect(rows.every((r) => r.status === 'sent')).toBe(true)
      const ids = smtp.received.map((m) => m.messageId)
      expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.message_id)))
      expect(ids).toHaveLength(total + 1)
      const counts = new Map<string, number>()
      for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
      const twice = [...counts].filter(([, n]) => n > 1)
      expect(twice).toEqual([[smtp.received[5]!.messageId, 2]])
    } finally {
      if (first && first.exitCode === null && first.signalCode === null) first.kill('SIGKILL')
      await smtp.close()
    }
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queueEmail } from '~/modules/mail/outbox.server'
import { createSmtpTransport, type OutboxTransport } from '~/modules/mail/transport.server'
import { startBackgroundMailWorker } from '~/modules/mail/background.server'
import { backoffDelay, claimJobs, processBatch, runOutboxWorker } from '~/modules/mail/worker.server'
import { issueReceiptForDonation } from '~/modules/receipts/issue.server'
import { createDatabase } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { startSmtpServer } from '../support/smtp'
import { insertDonation } from './receipts.fixtures'

const from = 'Hope Ledger <no-reply@hope-ledger.test>'
const later = (ms: number) => () => new Date(Date.now() + ms)

describe.skipIf(skipReason)(`mail outbox on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb({ poolSize: 10 })
  })
  afterAll(async () => t?.destroy())

  const signIn = (key: string, to = 'someone@example.org') =>
    t.db.transaction().execute((trx) =>
      queueEmail(trx, {
        to,
        template: 'sign-in-link',
        locale: 'en',
        props: { url: `https://x.test/${key}`, expiresInMinutes: 15 },
        dedupeKey: key,
      }),
    )
  const clear = () => t.db.deleteFrom('mail_outbox').execute()

  it('delivers a receipt over real SMTP with its number, amount and trace link, as HTML and text', async () => {
    await clear()
    const smtp = await startSmtpServer()
    const transport = createSmtpTransport(smtp.url)
    try {
      const d = await insertDonation(t.db, { amount: 123450, email: 'li.ming@example.org' })
      const r = await t.db
        .transaction()
        .execute((trx) => issueReceiptForDonation(trx, { donationId: d.id, issuedAt: '2026-11-23T03:15:00.000Z' }))
      const stats = await runOutboxWorker(t.db, { transport, from, exitWhenIdle: true })
      expect(stats).toMatchObject({ sent: 1, failed: 0 })
      expect(smtp.received).toHaveLength(1)
      const mail = smtp.received[0]!
      const traceUrl = `${getEnv().BASE_URL}/trace/${d.trackingCode}`
      expect(mail.to).toEqual(['li.ming@example.org'])
      expect(mail.subject).toBe(`捐赠收据 ${r.number} · ¥1,234.50`)
      for (const body of [mail.text, mail.html]) {
        expect(body).toContain(r.number)
        expect(body).toContain('¥1,234.50')
        expect(body).toContain('壹仟贰佰叁拾肆元伍角整')
        expect(body).toContain(traceUrl)
        expect(body).not.toContain('公益事业捐赠票据')
      }
      expect(mail.html).toContain(`href="${traceUrl}"`)
      const row = await t.db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('dedupe_key', '=', `receipt:${r.receiptId}`)
        .executeTakeFirstOrThrow()
      expect(row).toMatchObject({ status: 'sent', attempts: 1, lease_owner: null })
      expect(mail.messageId).toBe(row.message_id)
    } finally {
      transport.close?.()
      await smtp.close()
    }
  })

  it('queuing the same key twice is a no-op', async () => {
    await clear()
    const first = await signIn('dup')
    const second = await signIn('dup')
    expect(first.created).toBe(true)
    expect(second).toEqual({ id: first.id, created: false })
  })

  it('retries refused and dropped sends with exponential backoff, then delivers once', async () => {
    await clear()
    const smtp = await startSmtpServer({ verdict: (i) => (i === 0 ? 'reject' : i === 1 ? 'drop' : 'accept') })
    const transport = createSmtpTransport(smtp.url, { timeoutMs: 5_000 })
    try {
      const { id } = await signIn('retry')
      const opts = { transport, from, backoffMs: 60_000, maxBackoffMs: 600_000 }
      expect(await processBatch(t.db, opts)).toMatchObject({ claimed: 1, retried: 1 })
      let row = await t.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      expect(row).toMatchObject({ status: 'queued', attempts: 1 })
      expect(row.last_error).toMatch(/451|try again/)
      expect(Date.parse(row.next_attempt_at) - Date.now()).toBeGreaterThan(40_000) // not due yet
      expect(await processBatch(t.db, opts)).toMatchObject({ claimed: 0 })

      expect(await processBatch(t.db, { ...opts, clock: later(2 * 60_000) })).toMatchObject({ claimed: 1, retried: 1 }) // dropped
      row = await t.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      expect(Date.parse(row.next_attempt_at) - Date.now()).toBeGreaterThan(2 * 60_000 + 90_000) // second wait ≈ 2× the first
      expect(await processBatch(t.db, { ...opts, clock: later(10 * 60_000) })).toMatchObject({ claimed: 1, sent: 1 })
      row = await t.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      expect(row).toMatchObject({ status: 'sent', attempts: 3 })
      expect(smtp.received.map((m) => m.messageId)).toEqual([row.message_id])
    } finally {
      transport.close?.()
      await smtp.close()
    }
  })

  it('gives up after maxAttempts and keeps the error', async () => {
    await clear()
    const { id } = await signIn('hopeless')
    const broken: OutboxTransport = { sendMail: async () => Promise.reject(new Error('550 mailbox unavailable')) }
    for (let i = 0; i < 3; i++)
      await processBatch(t.db, { transport: broken, from, maxAttempts: 3, clock: later(i * 3_600_000) })
    const row = await t.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'failed', attempts: 3, last_error: '550 mailbox unavailable' })
  })

  it('backoff doubles per attempt, with jitter, up to the cap', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0.5)).toBe(1000)
    expect(backoffDelay(2, 1000, 60_000, () => 0.5)).toBe(2000)
    expect(backoffDelay(5, 1000, 60_000, () => 0.5)).toBe(16000)
    expect(backoffDelay(20, 1000, 60_000, () => 0.5)).toBe(60_000)
    expect(backoffDelay(1, 1000, 60_000, () => 0)).toBe(800)
    expect(backoffDelay(1, 1000, 60_000, () => 1)).toBe(1200)
  })

  it('reclaims a job whose lease expired, and never one that is still leased', async () => {
    await clear()
    await signIn('lease')
    const now = new Date()
    const a = await claimJobs(t.db, { workerId: 'a', limit: 5, leaseMs: 60_000, now })
    expect(a).toHaveLength(1)
    expect(
      await claimJobs(t.db, { workerId: 'b', limit: 5, leaseMs: 60_000, now: new Date(now.getTime() + 59_000) }),
    ).toHaveLength(0)
    const b = await claimJobs(t.db, { workerId: 'b', limit: 5, leaseMs: 60_000, now: new Date(now.getTime() + 61_000) })
    expect(b.map((r) => [r.id, r.lease_owner, r.attempts])).toEqual([[a[0]!.id, 'b', 2]])
  })

  it('on shutdown hands unsent claimed jobs straight back to the queue', async () => {
    await clear()
    for (let i = 0; i < 4; i++) await signIn(`stop-${i}`)
    const controller = new AbortController()
    const sent: string[] = []
    const transport: OutboxTransport = {
      sendMail: async (m) => {
        sent.push(m.to)
        controller.abort() // SIGTERM arrives while the first message is being sent
      },
    }
    const stats = await runOutboxWorker(t.db, { transport, from, batchSize: 4, signal: controller.signal })
    expect(stats).toMatchObject({ claimed: 4, sent: 1 })
    const rows = await t.db
      .selectFrom('mail_outbox')
      .select(['status', 'attempts', 'lease_owner'])
      .orderBy('id')
      .execute()
    expect(rows).toEqual([
      { status: 'sent', attempts: 1, lease_owner: null },
      ...Array.from({ length: 3 }, () => ({ status: 'queued', attempts: 0, lease_owner: null })),
    ])
  })

  it('several workers, each on its own connection pool, send every job exactly once', async () => {
    await clear()
    for (let i = 0; i < 120; i++) await signIn(`many-${i}`, `d${i}@example.org`)
    const sent: string[] = []
    const workers = Array.from({ length: 4 }, (_, w) => {
      const { db } = createDatabase(t.url, { poolSize: 3 })
      const transport: OutboxTransport = {
        sendMail: async (m) => {
          await new Promise((r) => setTimeout(r, Math.random() * 3))
          sent.push(m.messageId)
        },
      }
      return { db, run: runOutboxWorker(db, { transport, from, batchSize: 5, exitWhenIdle: true, workerId: `w${w}` }) }
    })
    const stats = await Promise.all(workers.map((w) => w.run))
    await Promise.all(workers.map((w) => w.db.destroy()))
    expect(sent).toHaveLength(120)
    expect(new Set(sent).size).toBe(120)
    expect(stats.reduce((n, s) => n + s.sent, 0)).toBe(120)
    if (testDialect === 'postgres') expect(stats.filter((s) => s.sent > 0).length).toBeGreaterThan(1)
    const left = await t.db.selectFrom('mail_outbox').select('id').where('status', '!=', 'sent').execute()
    expect(left).toEqual([])
  })
})

describe.skipIf(skipReason)(`background mail worker on ${testDialect}`, () => {
  it('runs inside the app process when SMTP_URL is set, and not otherwise', async () => {
    const t = await createTestDb()
    const smtp = await startSmtpServer()
    try {
      expect(startBackgroundMailWorker(t.db, { MAIL_FROM: from })).toBeUndefined()
      const worker = startBackgroundMailWorker(t.db, { SMTP_URL: smtp.url, MAIL_FROM: from }, () => {})!
      await t.db.transaction().execute((trx) =>
        queueEmail(trx, {
          to: 'bg@example.org',
          template: 'sign-in-link',
          locale: 'zh-CN',
          props: { url: 'https://x.test/bg', expiresInMinutes: 15 },
          dedupeKey: 'bg',
        }),
      )
      for (let i = 0; i < 100 && smtp.received.length === 0; i++) await new Promise((r) => setTimeout(r, 100))
      await worker.stop()
      expect(smtp.received.map((m) => m.subject)).toEqual(['希望账本登录链接'])
    } finally {
      await smtp.close()
      await t.destroy()
    }
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queueEmail } from '~/modules/mail/outbox.server'
import { getOutboxMessage, listOutbox, retryOutboxMessage } from '~/modules/mail/queries.server'
import { issueReceiptForDonation } from '~/modules/receipts/issue.server'
import { queueAnnualStatement } from '~/modules/receipts/statements.server'
import { donorReceipts, statementYears } from '~/modules/receipts/portal.server'
import { reissueReceipt } from '~/modules/receipts/correct.server'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { insertDonation } from './receipts.fixtures'

describe.skipIf(skipReason)(`outbox page queries on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb()
  })
  afterAll(async () => t?.destroy())

  it('lists newest first with subjects and counts, pages by id, and renders one message', async () => {
    const d = await insertDonation(t.db, { email: 'page@example.org' })
    const r = await t.db
      .transaction()
      .execute((trx) => issueReceiptForDonation(trx, { donationId: d.id, issuedAt: '2026-11-23T03:15:00.000Z' }))
    for (let i = 0; i < 3; i++) {
      await t.db.transaction().execute((trx) =>
        queueEmail(trx, {
          to: `s${i}@example.org`,
          template: 'sign-in-link',
          locale: 'en',
          props: { url: `https://x.test/${i}`, expiresInMinutes: 15 },
          dedupeKey: `page-${i}`,
        }),
      )
    }
    const first = await listOutbox(t.db, { limit: 2 })
    expect(first.items.map((i) => i.to)).toEqual(['s2@example.org', 's1@example.org'])
    expect(first.items[0]!.subject).toBe('Your Hope Ledger sign-in link')
    expect(first.counts.queued).toBe(4)
    const second = await listOutbox(t.db, { limit: 2, before: first.next! })
    expect(second.items.map((i) => i.to)).toEqual(['s0@example.org', 'page@example.org'])
    expect(second.items[1]!.subject).toContain(r.number)
    expect(second.next).toBeNull()
    expect((await listOutbox(t.db, { to: 'page@example.org' })).items).toHaveLength(1)

    const message = await getOutboxMessage(t.db, second.items[1]!.id)
    expect(message!.rendered.html).toContain(r.number)
    expect(message!.rendered.text).toContain(`/trace/${d.trackingCode}`)
    expect(await getOutboxMessage(t.db, 999999)).toBeUndefined()
  })

  it('puts a failed message back in the queue, and nothing else', async () => {
    const { id } = await t.db.transaction().execute((trx) =>
      queueEmail(trx, {
        to: 'f@example.org',
        template: 'sign-in-link',
        locale: 'zh-CN',
        props: { url: 'https://x.test/f', expiresInMinutes: 15 },
        dedupeKey: 'failed-1',
      }),
    )
    expect(await retryOutboxMessage(t.db, id)).toBe(false)
    await t.db
      .updateTable('mail_outbox')
      .set({ status: 'failed', attempts: 10, last_error: 'boom' })
      .where('id', '=', id)
      .execute()
    expect(await retryOutboxMessage(t.db, id)).toBe(true)
    expect(
      await t.db
        .selectFrom('mail_outbox')
        .select(['status', 'attempts', 'last_error'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: 'queued', attempts: 0, last_error: null })
  })

  it('queues an annual statement once per donor and year, leaving voided receipts out', async () => {
    const email = 'yearly@example.org'
    for (const amount of [10000, 20000]) {
      const d = await insertDonation(t.db, { email, amount })
      await t.db
        .transaction()
        .execute((trx) => issueReceiptForDonation(trx, { donationId: d.id, issuedAt: '2026-05-01T00:00:00.000Z' }))
    }
    const queue = () =>
      t.db.transaction().execute((trx) => queueAnnualStatement(trx, { donorEmail: email, year: 2026, locale: 'zh-CN' }))
    expect(await queue()).toBe(true)
    expect(await queue()).toBe(true)
    const rows = await t.db
      .selectFrom('mail_outbox')
      .select('props')
      .where('template', '=', 'annual-statement')
      .execute()
    expect(rows).toHaveLength(1)
    expect(JSON.parse(rows[0]!.props)).toMatchObject({ year: 2026, totals: [{ currency: 'CNY', amount: 30000 }] })
    expect(
      await t.db
        .transaction()
        .execute((trx) => queueAnnualStatement(trx, { donorEmail: email, year: 2025, locale: 'zh-CN' })),
    ).toBe(false)
  })

  it("lists a donor's receipts with links, and the years with a statement", async () => {
    const email = 'portal@example.org'
    const a = await insertDonation(t.db, { email, amount: 10000, paidAt: '2025-06-01T00:00:00.000Z' })
    const b = await insertDonation(t.db, { email, amount: 20000 })
    await insertDonation(t.db, { email: 'someone.else@example.org' })
    const ra = await t.db
      .transaction()
      .execute((trx) => issueReceiptForDonation(trx, { donationId: a.id, issuedAt: '2025-06-01T00:00:00.000Z' }))
    const rb = await t.db
      .transaction()
      .execute((trx) => issueReceiptForDonation(trx, { donationId: b.id, issuedAt: '2026-11-23T03:15:00.000Z' }))
    const rc = await t.db
      .transaction()
      .execute((trx) =>
        reissueReceipt(trx, { receiptId: rb.receiptId, reason: 'name', issuedAt: '2026-11-24T00:00:00.000Z' }),
      )
    const list = await donorReceipts(t.db, { donorEmail: email, locale: 'en' })
    expect(list.map((r) => [r.number, r.voided, r.replacedBy])).toEqual([
      [rc.number, false, null],
      [rb.number, true, rc.number],
      [ra.number, false, null],
    ])
    expect(list[0]!.pdfUrl).toMatch(new RegExp(`/receipts/${rc.number}\\.pdf\\?code=[0-9A-Z]{12}$`))
    expect(list[0]!.traceUrl).toContain(`/trace/${b.trackingCode}`)
    expect(list[0]!.purpose).toBe('Hope Project general fund')
    expect(await statementYears(t.db, email)).toEqual([2026, 2025])
  })
})

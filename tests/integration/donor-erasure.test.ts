// A donor's PIPL requests: the export holds what we hold; after erasure no table and no
// public surface holds their name or email, while the ledger and the open data verify.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordAudit } from '~/modules/audit/audit.server'
import { consumeDonorSignIn, requestDonorSignIn } from '~/modules/auth/donor.server'
import { eraseDonor, exportDonor } from '~/modules/donations/donor-privacy.server'
import { recordOfflineGift } from '~/modules/donations/offline.server'
import { offlineGiftSchema } from '~/modules/donations/offline-schema'
import { OfficialRequestForm } from '~/modules/receipts/official-schema'
import { requestOfficialReceipt } from '~/modules/receipts/official.server'
import { EXPORT_DATASETS, getDonationTrace, getHead, verifyLedger } from '~/modules/ledger'
import { getTransaction } from '~/modules/transparency/ledger.server'
import { exportLines } from '~/modules/transparency/opendata.server'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

const NAME = '司马懿然'
const EMAIL = 'pipl-canary@example.test'

describe.skipIf(skipReason)(`donor erasure on ${testDialect}`, () => {
  let t: TestDb
  let donorId: number
  const refs: string[] = []

  /** Every row of every table, as text: where is the needle? */
  async function tablesHolding(needles: string[]): Promise<string[]> {
    const tables = (await t.db.introspection.getTables()).map((x) => x.name).filter((n) => !n.startsWith('kysely_'))
    const found: string[] = []
    for (const table of tables) {
      const rows = await t.db
        .selectFrom(table as 'donations')
        .selectAll()
        .execute()
      const text = JSON.stringify(rows)
      for (const n of needles) if (text.includes(n)) found.push(`${table}: ${n}`)
    }
    return found
  }

  async function dataset(name: (typeof EXPORT_DATASETS)[number]) {
    let text = ''
    for await (const line of exportLines(t.db, { dataset: name, format: 'jsonl' })) text += line
    return text
  }

  beforeAll(async () => {
    t = await createTestDb()
    await seedDemo(t.db)
    const staff = await t.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'finance@hope.demo')
      .executeTakeFirstOrThrow()
    for (const reference of ['PIPL-1', 'PIPL-2']) {
      const input = offlineGiftSchema(['CNY']).parse({
        method: 'bank_transfer',
        reference,
        receivedOn: '2026-11-20',
        amount: '300.00',
        currency: 'CNY',
        donorName: NAME,
        donorEmail: EMAIL,
        displayMode: 'full',
        note: `from ${NAME}`,
      })
      const gift = await recordOfflineGift(t.db, {
        ...input,
        provider: 'offline',
        sourceRef: `offline:bank_transfer:${reference}`,
        recordedBy: staff.id,
      })
      refs.push(gift.publicId)
    }
    donorId = (
      await t.db
        .selectFrom('donations')
        .select('id')
        .where('donor_email', '=', EMAIL)
        .orderBy('id')
        .executeTakeFirstOrThrow()
    ).id
    // The portal: an account with a session, and a sign-in link not yet used.
    expect(await requestDonorSignIn(t.db, { email: EMAIL, ip: '203.0.113.9', locale: 'zh-CN' })).toBe('sent')
    const mail = await t.db
      .selectFrom('mail_outbox')
      .select('props')
      .where('to_address', '=', EMAIL)
      .where('template', '=', 'sign-in-link')
      .executeTakeFirstOrThrow()
    const token = new URL((JSON.parse(mail.props) as { url: string }).url).pathname.split('/').at(-1)!
    expect(await consumeDonorSignIn(t.db, { token, ip: '203.0.113.9' })).toMatchObject({ ok: true })
    expect(await requestDonorSignIn(t.db, { email: EMAIL, ip: '203.0.113.9', locale: 'zh-CN' })).toBe('sent')
    // An official e-receipt asked for and not yet issued: the payer's name and the address asked from.
    await requestOfficialReceipt(t.db, {
      ...OfficialRequestForm.parse({ donation: refs[0], payerKind: 'person', payerName: NAME }),
      donorEmail: EMAIL,
    })
    await t.db
      .insertInto('update_unsubscribes')
      .values({ email: EMAIL, unsubscribed_at: new Date().toISOString(), via: 'link' })
      .execute()
    // Finance searched the desk by the donor's email and name.
    await recordAudit(t.db, {
      actorUserId: staff.id,
      action: 'donations.list',
      entityType: 'donations',
      after: { q: EMAIL },
    })
    await recordAudit(t.db, { actorUserId: staff.id, action: 'donors.list', entityType: 'donor', after: { q: NAME } })
  })
  afterAll(async () => t?.destroy())

  it('the guarded tables allow only the erasure: a receipt name to the marker, an audit row redacted once', async () => {
    const receipt = await t.db.selectFrom('receipts').select('id').orderBy('id').executeTakeFirstOrThrow()
    await expect(
      t.db.updateTable('receipts').set({ donor_name: '别人' }).where('id', '=', receipt.id).execute(),
    ).rejects.toThrow(/never edited/)
    const row = await t.db.selectFrom('audit_log').select('id').orderBy('id').executeTakeFirstOrThrow()
    await expect(
      t.db.updateTable('audit_log').set({ action: 'forged' }).where('id', '=', row.id).execute(),
    ).rejects.toThrow(/append-only/)
    await expect(
      t.db
        .updateTable('audit_log')
        .set({ action: 'forged', redacted_at: new Date().toISOString() })
        .where('id', '=', row.id)
        .execute(),
    ).rejects.toThrow(/append-only/)
    await expect(t.db.deleteFrom('audit_log').where('id', '=', row.id).execute()).rejects.toThrow(/append-only/)
  })

  it('exports everything held about the donor as JSON', async () => {
    const held = await exportDonor(t.db, donorId)
    const text = JSON.stringify(held)
    expect(held!.donor).toMatchObject({ id: donorId, email: EMAIL, names: [NAME] })
    expect(held!.donations.map((d) => d.public_id).sort()).toEqual([...refs].sort())
    expect(held!.receipts.length).toBeGreaterThanOrEqual(2)
    expect(held!.portalAccount).toMatchObject({ email: EMAIL })
    expect(held!.mails.length).toBeGreaterThanOrEqual(2)
    expect(held!.ledger.map((l) => l.publishedName)).toEqual([NAME, NAME])
    expect(text).toContain(EMAIL)
  })

  it('erases name and email from every table and public surface; the ledger and the open data still verify', async () => {
    const before = await tablesHolding([NAME, EMAIL])
    for (const table of [
      'donations',
      'receipts',
      'users',
      'mail_outbox',
      'audit_log',
      'ledger_disclosures',
      'sessions',
    ])
      if (table !== 'sessions')
        expect(
          before.some((f) => f.startsWith(`${table}:`)),
          table,
        ).toBe(true)
    for (const d of ['transactions', 'donations'] as const) expect(await dataset(d)).toContain(NAME)

    const result = await eraseDonor(t.db, { donorId, actorUserId: 1, ip: '198.51.100.1' })
    expect(result).toEqual({ donations: 2, withdrawnNames: 2, keptInLedger: 0 })

    expect(await tablesHolding([NAME, EMAIL])).toEqual([])
    const sessions = await t.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select('sessions.id')
      .where('users.email', 'like', 'erased-%')
      .execute()
    expect(sessions).toEqual([])
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['after', 'redacted_at'])
      .where('action', 'in', ['donor.erase', 'donations.list'])
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.redacted_at !== null)).toEqual([true, false])
    expect(JSON.parse(audit[1]!.after!)).toMatchObject({ donations: 2, withdrawnNames: 2 })

    // The ledger: every record recomputes, the two names are withdrawn commitments.
    expect(await verifyLedger(t.db)).toMatchObject({ ok: true, withdrawn: 2 })
    const text = await Promise.all(EXPORT_DATASETS.map(dataset))
    for (const d of text) {
      expect(d).not.toContain(NAME)
      expect(d).not.toContain(EMAIL)
    }
    const transactions = text[EXPORT_DATASETS.indexOf('transactions')]!.trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const transfers = text[EXPORT_DATASETS.indexOf('transfers')]!.trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const donations = text[EXPORT_DATASETS.indexOf('donations')]!.trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    let prev = '0'.repeat(64)
    for (const tx of transactions) {
      const list = transfers.filter((x) => x.sequence === tx.sequence).map((x) => [x.from, x.to, x.amount, x.currency])
      const refsOf = Object.keys(tx.refs)
        .sort()
        .map((k) => [k, tx.refs[k]])
      const record = JSON.stringify([`hope-ledger/${tx.version}`, tx.sequence, tx.kind, tx.occurred_at, refsOf, list])
      prev = createHash('sha256')
        .update(prev + record)
        .digest('hex')
      expect(tx.hash).toBe(prev)
      for (const [key, d] of Object.entries(tx.disclosed as Record<string, { value: string; salt: string }>))
        expect(createHash('sha256').update(`${d.salt}:${key}:${d.value}`).digest('hex')).toBe(tx.refs[key])
      if (refs.includes(tx.refs.donation)) {
        expect(tx.refs.donor).toMatch(/^[0-9a-f]{64}$/)
        expect(tx.disclosed).toEqual({})
      }
    }
    expect(prev).toBe((await getHead(t.db)).hash)
    for (const ref of refs) {
      expect(donations.find((d) => d.donation === ref)).toMatchObject({ display_name: null })
      const trace = await getDonationTrace(t.db, ref)
      expect(trace!.donation.displayName).toBe('爱心人士')
      const tx = await getTransaction(t.db, Number(donations.find((d) => d.donation === ref).sequence))
      expect(tx!.donation!.displayName).toBe('爱心人士')
      expect(tx!.refs.donor).toBeUndefined()
      expect(JSON.stringify(tx)).not.toContain(NAME)
    }
    // A redacted audit row is not redacted again.
    const redacted = await t.db
      .selectFrom('audit_log')
      .select('id')
      .where('redacted_at', 'is not', null)
      .executeTakeFirstOrThrow()
    await expect(
      t.db
        .updateTable('audit_log')
        .set({ after: '{}', redacted_at: new Date().toISOString() })
        .where('id', '=', redacted.id)
        .execute(),
    ).rejects.toThrow(/append-only/)
    // The export no longer holds the name either.
    expect(JSON.stringify(await exportDonor(t.db, donorId))).not.toContain(NAME)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordOfflineGift } from '~/modules/donations/offline.server'
import { offlineGiftSchema } from '~/modules/donations/offline-schema'
import { decodeText } from '~/utils/text-encoding'
import { confirm, preview } from '~/routes/admin.donations.import.server'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'
import { gbkBytes } from '../support/gbk'

// What Excel on Chinese Windows writes is GBK; read as UTF-8 it became "����" and a
// receipt was issued to that name. The import now detects the encoding, previews every
// row, and books only the previewed text, sealed, on a second POST.

const CURRENCIES = ['CNY', 'HKD']
const SECRET = 'test-secret-for-statement-seals-0123456789'
const HEADER = 'date,reference,amount,currency,donor_name,donor_email,display,campaign'

describe('detecting a file’s encoding', () => {
  it('reads UTF-8 with and without BOM and GBK, and refuses what is neither', () => {
    const text = `${HEADER}\n2026-11-01,G-1,10,CNY,张三,a@example.test,full,希望之星`
    const utf8 = new TextEncoder().encode(text)
    expect(decodeText(utf8)).toEqual({ text, encoding: 'utf-8' })
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8]))).toEqual({ text, encoding: 'utf-8-bom' })
    const gbk = gbkBytes(text)
    // Real GBK: as UTF-8 it is the garble people saw.
    expect(new TextDecoder().decode(gbk)).toContain('\uFFFD')
    expect(decodeText(gbk)).toEqual({ text, encoding: 'gb18030' })
    expect(decodeText(new Uint8Array([0x41, 0xff, 0xff, 0x80]))).toEqual({ text: null, encoding: null })
  })
})

describe.skipIf(skipReason)(`statement import with preview on ${testDialect}`, () => {
  let t: TestDb
  let staffId: number
  beforeAll(async () => {
    t = await createTestDb()
    await seedDemo(t.db)
    staffId = (
      await t.db.selectFrom('users').select('id').where('email', '=', 'finance@hope.demo').executeTakeFirstOrThrow()
    ).id
  })
  afterAll(async () => t?.destroy())

  const ctx = (fields: Record<string, string | Blob>) => {
    const form = new FormData()
    for (const [k, v] of Object.entries(fields)) form.set(k, v)
    return { db: t.db, staffId, secret: SECRET, currencies: CURRENCIES, form }
  }
  const upload = (source: string, bytes: Uint8Array) =>
    preview(ctx({ source, file: new File([new Uint8Array(bytes)], 'statement.csv', { type: 'text/csv' }) }))
  const imported = (source: string) =>
    t.db
      .selectFrom('donations as d')
      .leftJoin('receipts as r', 'r.donation_id', 'd.id')
      .select(['d.donor_name', 'd.amount', 'd.campaign_id', 'r.donor_name as receiptName'])
      .where('d.source_ref', 'like', `import:${source}:%`)
      .orderBy('d.id')
      .execute()

  it('previews a GBK file with the names right, writes nothing, then books exactly the preview', async () => {
    const campaign = await t.db
      .selectFrom('campaigns')
      .select(['id', 'title'])
      .where('slug', '=', 'hope-star-2026')
      .executeTakeFirstOrThrow()
    const text = [
      HEADER,
      `2026-11-10,GBK-1,"1,200.00",CNY,张三丰,zs@example.test,full,${campaign.title}`,
      '2026-11-11,GBK-2,66,CNY,李小龙,lx@example.test,family,hope-star-2026',
    ].join('\r\n')
    const [answer, status] = await upload('gbk-bank', gbkBytes(text))
    expect(status).toBe(200)
    expect(answer.encoding).toBe('gb18030')
    expect(answer.report!.rows.map((r) => [r.status, r.cells.donor_name, r.amount, r.campaign?.title])).toEqual([
      ['new', '张三丰', 120000, campaign.title],
      ['new', '李小龙', 6600, campaign.title],
    ])
    expect(await imported('gbk-bank')).toEqual([])

    // The seal covers the exact text: a changed amount in the hidden field books nothing.
    const sealed = answer.confirm!
    const forged = Buffer.from(
      Buffer.from(sealed.statement, 'base64').toString('utf8').replace('"1,200.00"', '"9,200.00"'),
    ).toString('base64')
    const [refused, refusedStatus] = await confirm(ctx({ intent: 'confirm', ...sealed, statement: forged }))
    expect(refusedStatus).toBe(400)
    expect(refused.errors).toEqual({ file: 'import.error.seal' })
    const [other] = await confirm(ctx({ intent: 'confirm', ...sealed, source: 'another-source' }))
    expect(other.errors).toEqual({ file: 'import.error.seal' })
    expect(await imported('gbk-bank')).toEqual([])

    const [done, doneStatus] = await confirm(ctx({ intent: 'confirm', ...sealed }))
    expect(doneStatus).toBe(200)
    expect(done).toMatchObject({ committed: true, report: { created: 2 } })
    const rows = await imported('gbk-bank')
    expect(rows).toEqual([
      { donor_name: '张三丰', amount: 120000, campaign_id: campaign.id, receiptName: '张三丰' },
      { donor_name: '李小龙', amount: 6600, campaign_id: campaign.id, receiptName: '李小龙' },
    ])
    // Confirming again books nothing twice.
    const [again] = await confirm(ctx({ intent: 'confirm', ...sealed }))
    expect(again.report).toMatchObject({ created: 0, duplicates: 2 })
  })

  it('never issues a receipt to a garbled name', async () => {
    // A file already mangled elsewhere (U+FFFD in it) is refused row by row, by column name.
    const text = `${HEADER}\n2026-11-12,BAD-1,10,CNY,\uFFFD\uFFFD,bad@example.test,full,`
    const [answer, status] = await upload('garbled', new TextEncoder().encode(text))
    expect(status).toBe(400)
    expect(answer.report!.rows[0]!.errors).toEqual({ donor_name: 'import.error.garbled' })
    expect(answer.confirm).toBeNull()
    // Bytes that are neither UTF-8 nor GBK are refused before any row is read.
    const [binary, binaryStatus] = await upload('garbled', new Uint8Array([0x64, 0x61, 0xff, 0xfe, 0xff, 0x0a]))
    expect(binaryStatus).toBe(400)
    expect(binary.errors).toEqual({ file: 'import.error.encoding' })
    expect(await imported('garbled')).toEqual([])
    const garbledReceipts = await t.db
      .selectFrom('receipts')
      .select('id')
      .where('donor_name', 'like', '%\uFFFD%')
      .execute()
    expect(garbledReceipts).toEqual([])
  })

  it('a reference already imported with another amount or donor is a conflict that says what differs', async () => {
    const first = [HEADER, '2026-11-13,C-1,50,CNY,王芳,wf@example.test,full,'].join('\n')
    const [p1] = await upload('conflicts', new TextEncoder().encode(first))
    await confirm(ctx({ intent: 'confirm', ...p1.confirm! }))
    const changed = [HEADER, '2026-11-13,C-1,80,CNY,王芳芳,wf@example.test,full,'].join('\n')
    const [p2, status] = await upload('conflicts', new TextEncoder().encode(changed))
    expect(status).toBe(400)
    expect(p2.report!.rows[0]).toMatchObject({
      status: 'conflict',
      conflicts: [
        { field: 'amount', recorded: 5000, entered: 8000 },
        { field: 'donorName', recorded: '王芳', entered: '王芳芳' },
      ],
    })
    expect(p2.confirm).toBeNull()
    expect(await imported('conflicts')).toEqual([
      { donor_name: '王芳', amount: 5000, campaign_id: null, receiptName: '王芳' },
    ])
  })

  it('an offline gift under a recorded reference with other details is a conflict, not "already recorded"', async () => {
    const base = {
      method: 'bank_transfer',
      reference: 'ICBC-CONFLICT-1',
      receivedOn: '2026-11-20',
      amount: '300',
      currency: 'CNY',
      donorName: '陈先生',
      donorEmail: 'chen@example.test',
      displayMode: 'family',
    }
    const record = (values: Record<string, string>) =>
      recordOfflineGift(t.db, {
        ...offlineGiftSchema(CURRENCIES).parse(values),
        provider: 'offline',
        sourceRef: `offline:bank_transfer:${values.reference}`,
        recordedBy: staffId,
      })
    const first = await record(base)
    expect(first).toMatchObject({ created: true, conflicts: [] })
    expect(await record(base)).toEqual({ publicId: first.publicId, created: false, conflicts: [] })
    const other = await record({ ...base, amount: '3000', donorEmail: 'other@example.test' })
    expect(other).toEqual({
      publicId: first.publicId,
      created: false,
      conflicts: [
        { field: 'amount', recorded: 30000, entered: 300000 },
        { field: 'donorEmail', recorded: 'chen@example.test', entered: 'other@example.test' },
      ],
    })
    const rows = await t.db
      .selectFrom('donations')
      .select('amount')
      .where('source_ref', '=', 'offline:bank_transfer:ICBC-CONFLICT-1')
      .execute()
    expect(rows).toEqual([{ amount: 30000 }])
  })
})

import PDFKit from 'pdfkit'
import { PDFDocument } from 'pdf-lib'
import sharp from 'sharp'
import { disclosuresOf, openRefs } from '~/modules/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { approveBatch, getBatch, prepareBatch, recordPayout } from '~/modules/disbursements/batches.server'
import { cleanProof } from '~/modules/disbursements/proof-check.server'
import { chinaDate } from '~/utils/i18n'
import { isRefusal, type Refusal } from '~/utils/refusal'
import { seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { minimalPdf } from '../support/proof-files'
import { freeStudents, fundedProgramme, stationIdOf, stationPath, userIdOf } from './scholarship.fixtures'

// Proofs are checked as whole files (PDFs parsed, pictures re-encoded), and a payout is
// never dated before the award it pays — both refused on their field, nothing written.

const POLYGLOT = new TextEncoder().encode(
  '%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n',
)

async function refusalOf(p: Promise<unknown>): Promise<Refusal> {
  try {
    await p
  } catch (e) {
    if (isRefusal(e)) return e
    throw e
  }
  throw new Error('expected a Refusal')
}

async function pdfkitPdf(): Promise<Uint8Array> {
  const doc = new PDFKit()
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  doc.text('Bank transfer slip 2026-12-01')
  doc.end()
  await new Promise((r) => doc.on('end', r))
  return new Uint8Array(Buffer.concat(chunks))
}

describe('whole-file proof checks', () => {
  it('refuses a %PDF-1.4 polyglot carrying HTML on the proof field', async () => {
    const r = await refusalOf(cleanProof(POLYGLOT))
    expect(r.field).toBe('proof')
    expect(r.status).toBe(422)
    expect(r.messageKey).toBe('upload.error.active')
  })

  it('refuses a real PDF with HTML appended, one that does not parse, and one with JavaScript', async () => {
    const real = await pdfkitPdf()
    const appended = new Uint8Array([...real, ...new TextEncoder().encode('<html><script>x()</script></html>')])
    expect((await refusalOf(cleanProof(appended))).messageKey).toBe('upload.error.active')
    const broken = new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
    expect((await refusalOf(cleanProof(broken))).messageKey).toBe('upload.error.unreadable')
    const scripted = await PDFDocument.create()
    scripted.addPage()
    scripted.addJavaScript('hello', 'app.launchURL("https://evil.example")')
    const r = await refusalOf(cleanProof(await scripted.save()))
    expect([r.messageKey, r.field]).toEqual(['upload.error.active', 'proof'])
  })

  it('accepts a real PDF unchanged', async () => {
    for (const pdf of [await pdfkitPdf(), minimalPdf('slip')]) {
      const out = await cleanProof(pdf)
      expect(out.mime).toBe('application/pdf')
      expect(Buffer.from(out.bytes).equals(Buffer.from(pdf))).toBe(true)
    }
  })

  it('re-encodes a photo: no EXIF or GPS, nothing hidden after the picture survives', async () => {
    const photo = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } })
      .jpeg()
      .withExif({
        IFD0: { Artist: 'EXIF-CANARY-ARTIST', Copyright: 'EXIF-CANARY' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '27/1 20/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '104/1 52/1 0/1',
        },
      })
      .toBuffer()
    expect((await sharp(photo).metadata()).exif).toBeDefined()
    const withTail = new Uint8Array([...photo, ...new TextEncoder().encode('<html>TAIL-CANARY</html>')])
    const out = await cleanProof(withTail)
    expect(out.mime).toBe('image/jpeg')
    const meta = await sharp(out.bytes).metadata()
    expect(meta.exif).toBeUndefined()
    expect([meta.width, meta.height]).toEqual([40, 30])
    const text = Buffer.from(out.bytes).toString('latin1')
    for (const canary of ['EXIF-CANARY', 'TAIL-CANARY', 'GPS']) expect(text).not.toContain(canary)
    const png = await sharp({ create: { width: 8, height: 8, channels: 4, background: '#00f8' } })
      .png()
      .toBuffer()
    expect((await cleanProof(png)).mime).toBe('image/png')
    // Right first bytes, no picture behind them.
    const fake = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1])
    expect((await refusalOf(cleanProof(fake))).messageKey).toBe('upload.error.unreadable')
  })
})

describe.skipIf(skipReason)(`proofs and payout dates on ${testDialect}`, () => {
  let t: TestDb
  let caseworker: { id: number; scope: string[]; ip: string }
  let finance: { id: number; scope: string[]; ip: string; totpVerified: boolean }
  let station: number
  beforeAll(async () => {
    t = await seededDb()
    station = await stationIdOf(t.db, '530627')
    caseworker = {
      id: await userIdOf(t.db, 'caseworker.zhenxiong@hope.demo'),
      scope: [await stationPath(t.db, '530627')],
      ip: '203.0.113.9',
    }
    finance = {
      id: await userIdOf(t.db, 'finance@hope.demo'),
      scope: [await stationPath(t.db, '530000')],
      ip: '203.0.113.10',
      totpVerified: true,
    }
  })
  afterAll(async () => t?.destroy())

  const counts = async () => ({
    proofs: Number(
      (
        await t.db
          .selectFrom('proof_files')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    ledger: Number(
      (
        await t.db
          .selectFrom('ledger_transactions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  })

  it('a polyglot proof and a payout dated before its award are refused on their fields, writing nothing', async () => {
    const p = await fundedProgramme(t.db, 200000)
    const [a] = await freeStudents(t.db, '530627101', 1)
    const id = await prepareBatch(t.db, caseworker, {
      programmeId: p.programmeId,
      term: '2027-spring',
      stationId: station,
      campaignId: p.campaignId,
      lines: [{ beneficiaryId: a!.id, amount: 100000 }],
    })
    // Approved late in the China day: the award's date is the China date of that moment.
    const approvedAt = new Date(Date.now() - 60_000)
    await approveBatch(t.db, finance, { batchId: id }, approvedAt)
    const awardDate = chinaDate(approvedAt)
    expect((await getBatch(t.db, finance.scope, id))!.awardDate).toBe(awardDate)
    const before = await counts()

    const poly = await refusalOf(
      recordPayout(t.db, finance, { batchId: id, reference: 'P-1', date: awardDate, proof: POLYGLOT }),
    )
    expect([poly.field, poly.messageKey]).toEqual(['proof', 'upload.error.active'])

    const dayBefore = chinaDate(new Date(approvedAt.getTime() - 86_400_000))
    const early = await refusalOf(
      recordPayout(t.db, finance, { batchId: id, reference: 'P-1', date: dayBefore, proof: minimalPdf() }),
    )
    expect([early.field, early.messageKey, early.params.date]).toEqual([
      'date',
      'batches.error.payoutBeforeAward',
      awardDate,
    ])
    expect(await counts()).toEqual(before)
    expect((await getBatch(t.db, finance.scope, id))!.status).toBe('approved')

    // The award's own day is fine, and the payout's ledger time is never before the award's.
    expect(
      await recordPayout(t.db, finance, { batchId: id, reference: 'P-1', date: awardDate, proof: minimalPdf() }),
    ).toBe('paid')
    const txs = await t.db
      .selectFrom('ledger_transactions')
      .select(['kind', 'occurred_at'])
      .where('kind', 'in', ['award', 'payout'])
      .orderBy('sequence', 'desc')
      .limit(2)
      .execute()
    const award = txs.find((x) => x.kind === 'award')!
    const payout = txs.find((x) => x.kind === 'payout')!
    expect(payout.occurred_at >= award.occurred_at).toBe(true)
  })

  it('in the seeded demo no payout precedes its award, in the ledger or on the batch', async () => {
    const txs = await t.db
      .selectFrom('ledger_transactions')
      .select(['sequence', 'kind', 'occurred_at', 'refs'])
      .where('kind', 'in', ['award', 'payout'])
      .orderBy('sequence')
      .execute()
    // An award and its payout share the beneficiary and the batch, wish or term they pay
    // (version-2 records commit to the code: it is read from the disclosures).
    const disclosed = await disclosuresOf(
      t.db,
      txs.map((x) => x.sequence),
    )
    const keyOf = (x: { sequence: number; refs: string }) => {
      const r = openRefs(JSON.parse(x.refs) as Record<string, string>, disclosed.get(x.sequence))
      return `${r.beneficiary}|${r.batch ?? r.wish ?? r.term}`
    }
    const awards = new Map(txs.filter((x) => x.kind === 'award').map((x) => [keyOf(x), x]))
    const payouts = txs.filter((x) => x.kind === 'payout')
    expect(payouts.length).toBeGreaterThan(0)
    for (const p of payouts) {
      const award = awards.get(keyOf(p))
      expect(award, `payout ${p.sequence} pays an award`).toBeDefined()
      expect(p.occurred_at >= award!.occurred_at, `payout ${p.sequence} vs award ${award!.sequence}`).toBe(true)
      expect(p.sequence).toBeGreaterThan(award!.sequence)
    }
    const batches = await t.db
      .selectFrom('award_batches')
      .select(['id', 'approved_at', 'payout_date'])
      .where('payout_date', 'is not', null)
      .execute()
    expect(batches.length).toBeGreaterThan(0)
    for (const b of batches) expect(b.payout_date! >= chinaDate(new Date(b.approved_at!)), `batch ${b.id}`).toBe(true)
  })
})

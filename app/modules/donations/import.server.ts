import type { DB } from '~/utils/db.server'
import { parseCsv } from '~/utils/csv'
import { offlineGiftSchema } from './offline-schema'
import { recordOfflineGiftIn } from './offline.server'
import { isMessageKey, type MessageKey } from '~/utils/i18n'

// Statements from other platforms (for example a designated public-fundraising platform)
// as CSV. A dry run reports what would happen and writes nothing; a real import books
// every row or, if any row is wrong, none. Re-importing the same file creates nothing twice:
// each row's source reference is `import:<source>:<reference>`, unique in the database.

export const STATEMENT_COLUMNS = [
  'date',
  'reference',
  'amount',
  'currency',
  'donor_name',
  'donor_email',
  'display',
  'campaign',
] as const
export const MAX_STATEMENT_ROWS = 5000

export type StatementRow = {
  line: number
  reference: string
  status: 'new' | 'duplicate' | 'error'
  errors: Record<string, MessageKey>
  publicId?: string
}
export type ImportReport = {
  rows: StatementRow[]
  created: number
  duplicates: number
  errors: number
  headerError?: string
  dryRun: boolean
}

export async function importStatement(
  db: DB,
  input: { csv: string; source: string; dryRun: boolean; recordedBy: number; currencies: readonly string[] },
): Promise<ImportReport> {
  const table = parseCsv(input.csv)
  const report: ImportReport = { rows: [], created: 0, duplicates: 0, errors: 0, dryRun: input.dryRun }
  const header = (table[0] ?? []).map((h) => h.trim().toLowerCase())
  const missing = STATEMENT_COLUMNS.filter((c) => !header.includes(c))
  if (missing.length) return { ...report, headerError: `missing columns: ${missing.join(', ')}` }
  if (table.length - 1 > MAX_STATEMENT_ROWS)
    return { ...report, headerError: `at most ${MAX_STATEMENT_ROWS} rows per file` }
  const col = (row: string[], name: (typeof STATEMENT_COLUMNS)[number]) => (row[header.indexOf(name)] ?? '').trim()
  const schema = offlineGiftSchema(input.currencies)

  const parsed = table.slice(1).map((row, i) => {
    const line = i + 2
    const result = schema.safeParse({
      method: 'bank_transfer',
      reference: col(row, 'reference'),
      receivedOn: col(row, 'date'),
      amount: col(row, 'amount'),
      currency: col(row, 'currency').toUpperCase(),
      campaignSlug: col(row, 'campaign'),
      donorName: col(row, 'donor_name') || '爱心人士',
      donorEmail: col(row, 'donor_email'),
      displayMode: col(row, 'display') || 'anonymous',
    })
    return { line, reference: col(row, 'reference'), result }
  })
  const seen = new Set<string>()
  const refs = parsed.map((p) => `import:${input.source}:${p.reference}`)
  const existing = new Set(
    refs.length
      ? (await db.selectFrom('donations').select('source_ref').where('source_ref', 'in', refs).execute()).map(
          (r) => r.source_ref,
        )
      : [],
  )
  const campaigns = new Set((await db.selectFrom('campaigns').select('slug').execute()).map((c) => c.slug))
  for (const p of parsed) {
    const errors: Record<string, MessageKey> = {}
    if (!p.result.success)
      for (const issue of p.result.error.issues)
        errors[String(issue.path[0])] ??= isMessageKey(issue.message) ? issue.message : 'form.required'
    else if (p.result.data.campaignSlug && !campaigns.has(p.result.data.campaignSlug))
      errors.campaignSlug = 'offline.error.campaign'
    const ref = `import:${input.source}:${p.reference}`
    if (p.reference && seen.has(ref)) errors.reference = 'offline.error.duplicateInFile'
    seen.add(ref)
    const status = Object.keys(errors).length ? 'error' : existing.has(ref) ? 'duplicate' : 'new'
    report.rows.push({ line: p.line, reference: p.reference, status, errors })
  }
  report.errors = report.rows.filter((r) => r.status === 'error').length
  report.duplicates = report.rows.filter((r) => r.status === 'duplicate').length
  if (input.dryRun || report.errors) return report

  await db.transaction().execute(async (trx) => {
    for (const [i, p] of parsed.entries()) {
      if (report.rows[i]!.status !== 'new' || !p.result.success) continue
      const result = await recordOfflineGiftIn(trx, {
        ...p.result.data,
        provider: 'import',
        sourceRef: `import:${input.source}:${p.reference}`,
        recordedBy: input.recordedBy,
      })
      report.rows[i]!.publicId = result.publicId
      if (result.created) report.created++
      else {
        report.rows[i]!.status = 'duplicate'
        report.duplicates++
      }
    }
  })
  return report
}

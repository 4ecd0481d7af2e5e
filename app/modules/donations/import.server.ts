import crypto from 'node:crypto'
import type { DB } from '~/utils/db.server'
import { parseCsv } from '~/utils/csv'
import { isMessageKey, type MessageKey } from '~/utils/i18n'
import { Refusal, type RefusalParams } from '~/utils/refusal'
import { offlineGiftSchema, type OfflineGiftInput } from './offline-schema'
import { offlineConflicts, recordOfflineGiftIn, type OfflineConflict } from './offline.server'

// Statements from other platforms (for example a designated public-fundraising platform)
// as CSV. A preview reports what would happen and writes nothing; the import books every
// row or, if any row is wrong, none. Re-importing the same file creates nothing twice:
// each row's source reference is `import:<source>:<reference>`, unique in the database.
// Problems are reported under the column names of the template (the file's header), never
// under the form's internal field names.

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
export type StatementColumn = (typeof STATEMENT_COLUMNS)[number]
export const MAX_STATEMENT_ROWS = 5000

/** The template column each field of the offline-gift form is read from. */
const COLUMN_OF: Record<string, StatementColumn> = {
  receivedOn: 'date',
  reference: 'reference',
  amount: 'amount',
  currency: 'currency',
  donorName: 'donor_name',
  donorEmail: 'donor_email',
  displayMode: 'display',
  campaignSlug: 'campaign',
}

export type StatementRow = {
  line: number
  reference: string
  status: 'new' | 'duplicate' | 'conflict' | 'error'
  errors: Partial<Record<StatementColumn, MessageKey>>
  /** For a 'conflict': what the file says that the recorded gift does not. */
  conflicts: OfflineConflict[]
  /** The row as it will be booked (cells as read when the row has errors). */
  cells: Record<StatementColumn, string>
  amount: number | null
  campaign: { title: string; titleEn: string } | null
  publicId?: string
}
export type ImportReport = {
  rows: StatementRow[]
  created: number
  duplicates: number
  /** Rows that stop the import: errors and conflicts. */
  errors: number
  headerError?: { key: MessageKey; params: RefusalParams }
  dryRun: boolean
}

type Parsed = { row: StatementRow; data: OfflineGiftInput | null }

async function readStatement(
  db: DB,
  input: { csv: string; source: string; currencies: readonly string[] },
): Promise<{ parsed: Parsed[]; headerError?: ImportReport['headerError'] }> {
  const table = parseCsv(input.csv)
  const header = (table[0] ?? []).map((h) => h.trim().toLowerCase())
  const missing = STATEMENT_COLUMNS.filter((c) => !header.includes(c))
  if (missing.length)
    return { parsed: [], headerError: { key: 'import.error.missingColumns', params: { columns: missing.join(', ') } } }
  if (table.length - 1 > MAX_STATEMENT_ROWS)
    return { parsed: [], headerError: { key: 'import.error.tooManyRows', params: { max: MAX_STATEMENT_ROWS } } }
  const campaigns = await campaignFinder(db)
  const schema = offlineGiftSchema(input.currencies)

  const parsed = table.slice(1).map((cellsOfRow, i): Parsed => {
    const cells = Object.fromEntries(
      STATEMENT_COLUMNS.map((c) => [c, (cellsOfRow[header.indexOf(c)] ?? '').trim()]),
    ) as Record<StatementColumn, string>
    const errors: StatementRow['errors'] = {}
    // A replacement character is a file decoded in the wrong encoding: never book that name.
    for (const c of STATEMENT_COLUMNS) if (cells[c].includes('\uFFFD')) errors[c] = 'import.error.garbled'
    const campaign = cells.campaign ? campaigns(cells.campaign) : null
    if (campaign === 'none') errors.campaign = 'offline.error.campaign'
    if (campaign === 'ambiguous') errors.campaign = 'import.error.campaignAmbiguous'
    const found = typeof campaign === 'object' ? campaign : null
    const result = schema.safeParse({
      method: 'bank_transfer',
      reference: cells.reference,
      receivedOn: cells.date,
      amount: cells.amount,
      currency: cells.currency.toUpperCase(),
      campaignSlug: found?.slug ?? '',
      donorName: cells.donor_name || '爱心人士',
      donorEmail: cells.donor_email,
      displayMode: cells.display || 'anonymous',
    })
    if (!result.success)
      for (const issue of result.error.issues) {
        const column = COLUMN_OF[String(issue.path[0])] ?? 'reference'
        errors[column] ??= isMessageKey(issue.message) ? issue.message : 'form.required'
      }
    const ok = result.success && !Object.keys(errors).length
    const row: StatementRow = {
      line: i + 2,
      reference: cells.reference,
      status: ok ? 'new' : 'error',
      errors,
      conflicts: [],
      cells,
      amount: result.success ? result.data.amount : null,
      campaign: found ? { title: found.title, titleEn: found.title_en } : null,
    }
    return { row, data: ok && result.success ? result.data : null }
  })

  const ref = (p: Parsed) => `import:${input.source}:${p.row.reference}`
  const refs = parsed.filter((p) => p.row.reference).map(ref)
  const existing = new Map(
    (refs.length
      ? await db
          .selectFrom('donations')
          .select(['source_ref', 'amount', 'currency', 'donor_name', 'donor_email'])
          .where('source_ref', 'in', refs)
          .execute()
      : []
    ).map((r) => [r.source_ref, r]),
  )
  const seen = new Set<string>()
  for (const p of parsed) {
    if (p.row.reference && seen.has(ref(p))) {
      p.row.errors.reference = 'offline.error.duplicateInFile'
      p.row.status = 'error'
      p.data = null
    }
    seen.add(ref(p))
    const recorded = existing.get(ref(p))
    if (!p.data || !recorded) continue
    p.row.conflicts = offlineConflicts(recorded, p.data)
    p.row.status = p.row.conflicts.length ? 'conflict' : 'duplicate'
  }
  return { parsed }
}

type CampaignRow = { slug: string; title: string; title_en: string }

/** A campaign named in a file by its slug or by the title people see (either language). */
async function campaignFinder(db: DB) {
  const rows = await db.selectFrom('campaigns').select(['slug', 'title', 'title_en']).execute()
  return (name: string): CampaignRow | 'none' | 'ambiguous' => {
    const bySlug = rows.find((c) => c.slug === name)
    if (bySlug) return bySlug
    const key = name.normalize('NFKC').toLowerCase()
    const byTitle = rows.filter((c) =>
      [c.title, c.title_en].some((t) => t.trim().normalize('NFKC').toLowerCase() === key),
    )
    if (byTitle.length > 1) return 'ambiguous'
    return byTitle[0] ?? 'none'
  }
}

function report(parsed: Parsed[], dryRun: boolean, headerError?: ImportReport['headerError']): ImportReport {
  const rows = parsed.map((p) => p.row)
  return {
    rows,
    created: 0,
    duplicates: rows.filter((r) => r.status === 'duplicate').length,
    errors: rows.filter((r) => r.status === 'error' || r.status === 'conflict').length,
    dryRun,
    ...(headerError ? { headerError } : {}),
  }
}

/** What importing the statement would do; writes nothing. */
export async function previewStatement(
  db: DB,
  input: { csv: string; source: string; currencies: readonly string[] },
): Promise<ImportReport> {
  const { parsed, headerError } = await readStatement(db, input)
  return report(parsed, true, headerError)
}

/** Import the statement (a dry run is a preview): every row or, if any row is wrong, none. */
export async function importStatement(
  db: DB,
  input: { csv: string; source: string; dryRun: boolean; recordedBy: number; currencies: readonly string[] },
): Promise<ImportReport> {
  const { parsed, headerError } = await readStatement(db, input)
  const out = report(parsed, input.dryRun, headerError)
  if (input.dryRun || out.errors || headerError) return out
  await db.transaction().execute(async (trx) => {
    for (const p of parsed) {
      if (p.row.status !== 'new' || !p.data) continue
      const result = await recordOfflineGiftIn(trx, {
        ...p.data,
        provider: 'import',
        sourceRef: `import:${input.source}:${p.row.reference}`,
        recordedBy: input.recordedBy,
      })
      // Recorded by someone else since the preview, with other values: book nothing.
      if (result.conflicts.length) throw new Refusal('import.error.changed', { status: 409 })
      p.row.publicId = result.publicId
      if (result.created) out.created++
      else {
        p.row.status = 'duplicate'
        out.duplicates++
      }
    }
  })
  return out
}

/**
 * The preview's seal: the confirming POST carries the previewed text back with this
 * HMAC (SESSION_SECRET) over who previewed it, the source and the exact text, so what is
 * written is what was shown, and a changed or hand-made form is refused.
 */
export function statementSeal(secret: string, input: { staffId: number; source: string; csv: string }): string {
  return crypto
    .createHmac('sha256', secret)
    .update(`statement:${input.staffId}:${input.source}:`)
    .update(input.csv)
    .digest('base64url')
}

export function sealHolds(secret: string, input: { staffId: number; source: string; csv: string }, seal: string) {
  const expected = Buffer.from(statementSeal(secret, input))
  const given = Buffer.from(seal)
  return expected.length === given.length && crypto.timingSafeEqual(expected, given)
}

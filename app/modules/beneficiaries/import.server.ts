import { parseCsv as parseCsvRows } from '~/utils/csv'
import type { DB } from '~/utils/db.server'
import type { MessageKey } from '~/utils/i18n'
import { isRefusal, type RefusalParams } from '~/utils/refusal'
import { insertBeneficiary, type Actor } from './registry.server'
import { issuesByField, RegisterInput } from './schema'

// CSV import of the registry. A dry run checks every row and writes nothing; a real
// run writes each valid row in its own savepoint-free transaction, so one bad row does
// not lose the others. A row whose ID number is already registered is skipped, so
// importing the same file twice creates each student once.

export const CSV_COLUMNS = [
  'legal_name',
  'gender',
  'birth_date',
  'national_id',
  'school',
  'grade',
  'categories',
  'guardian_name',
  'guardian_phone',
  'station_code',
  'consent_guardian',
  'consent_relationship',
  'consent_on',
  'consent_public_story',
  'consent_photo',
  'consent_first_name',
] as const

export const MAX_IMPORT_ROWS = 2000

/** The file's rows (~/utils/csv), without rows whose every field is blank (",,,," from a spreadsheet). */
export function parseCsv(text: string): string[][] {
  return parseCsvRows(text).filter((r) => r.some((f) => f.trim() !== ''))
}

export type RowError = { row: number; field: string; messageKey: MessageKey; params?: RefusalParams }
export type ImportResult = {
  dryRun: boolean
  total: number
  created: number
  skipped: number
  valid: number
  errors: RowError[]
  codes: string[]
}

export async function importBeneficiaries(
  db: DB,
  actor: Actor,
  input: { csv: string; dryRun: boolean },
  now = new Date(),
): Promise<ImportResult> {
  const rows = parseCsv(input.csv)
  const result: ImportResult = {
    dryRun: input.dryRun,
    total: 0,
    created: 0,
    skipped: 0,
    valid: 0,
    errors: [],
    codes: [],
  }
  const header = rows.shift()?.map((h) => h.trim().toLowerCase())
  const missing = CSV_COLUMNS.slice(0, 10).filter((c) => !header?.includes(c))
  if (!header || missing.length) {
    result.errors.push({ row: 1, field: missing.join(', ') || 'header', messageKey: 'students.import.badHeader' })
    return result
  }
  if (rows.length > MAX_IMPORT_ROWS) {
    result.errors.push({ row: 1, field: 'file', messageKey: 'students.import.tooMany' })
    return result
  }
  const stations = new Map(
    (await db.selectFrom('stations').select(['id', 'code']).execute()).map((s) => [s.code, Number(s.id)]),
  )
  const seen = new Set<string>()
  for (const [i, cells] of rows.entries()) {
    const line = i + 2
    result.total++
    const v = Object.fromEntries(header.map((h, j) => [h, (cells[j] ?? '').trim()]))
    const hasConsent = Boolean(v.consent_on)
    const parsed = RegisterInput.safeParse({
      legalName: v.legal_name,
      gender: v.gender,
      birthDate: v.birth_date,
      nationalId: v.national_id,
      school: v.school,
      grade: v.grade,
      categories: (v.categories ?? '')
        .split(/[;|]/)
        .map((c) => c.trim())
        .filter(Boolean),
      guardianName: v.guardian_name,
      guardianPhone: v.guardian_phone,
      stationId: stations.get(v.station_code ?? '') ?? 0,
      consent: hasConsent
        ? {
            guardianName: v.consent_guardian || v.guardian_name,
            relationship: v.consent_relationship,
            consentedOn: v.consent_on,
            publicStory: v.consent_public_story,
            photo: v.consent_photo,
            firstNameToSponsor: v.consent_first_name,
          }
        : null,
    })
    if (!parsed.success) {
      for (const [field, messageKey] of Object.entries(issuesByField(parsed.error)))
        result.errors.push({ row: line, field, messageKey })
      continue
    }
    const key = parsed.data.nationalId
    if (seen.has(key)) {
      result.errors.push({ row: line, field: 'nationalId', messageKey: 'students.import.repeatedInFile' })
      continue
    }
    seen.add(key)
    try {
      if (input.dryRun) {
        // Everything a real run checks, inside a transaction that is always rolled back.
        await db.transaction().execute(async (trx) => {
          await insertBeneficiary(trx, actor, parsed.data, now)
          throw new DryRunRollback()
        })
      } else {
        const created = await db.transaction().execute((trx) => insertBeneficiary(trx, actor, parsed.data, now))
        result.created++
        result.codes.push(created.publicCode)
      }
      result.valid++
    } catch (e) {
      if (e instanceof DryRunRollback) {
        result.valid++
        continue
      }
      if (isRefusal(e)) {
        if (e.messageKey === 'students.error.duplicateHere' || e.messageKey === 'students.error.duplicateElsewhere')
          result.skipped++
        result.errors.push({ row: line, field: e.field ?? '', messageKey: e.messageKey, params: e.params })
        continue
      }
      throw e
    }
  }
  return result
}

class DryRunRollback extends Error {}

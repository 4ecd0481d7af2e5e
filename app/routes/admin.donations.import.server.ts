import { z } from 'zod'
import { importStatement, previewStatement, sealHolds, statementSeal } from '~/modules/donations/import.server'
import type { ImportReport } from '~/modules/donations/import.server'
import type { DB } from '~/utils/db.server'
import type { MessageKey } from '~/utils/i18n'
import { decodeText, type DetectedEncoding } from '~/utils/text-encoding'

// The import page's two steps. `preview` reads the uploaded file (its encoding detected)
// and shows every row as it would be booked, writing nothing; `confirm` carries back the
// previewed text with its seal and books exactly that text.

export const MAX_BYTES = 2 * 1024 * 1024

export type ImportAnswer = {
  errors: Partial<Record<string, MessageKey>>
  report: ImportReport | null
  encoding: DetectedEncoding | null
  /**
   * Present on a clean preview: the hidden fields of the confirming form. The text goes
   * as base64, since a browser rewrites line breaks in submitted values (and the seal).
   */
  confirm: { source: string; statement: string; seal: string } | null
  committed: boolean
}
type Ctx = { db: DB; staffId: number; secret: string; currencies: readonly string[]; form: FormData }

const Source = z
  .string()
  .trim()
  .regex(/^[\p{L}\p{N}-]{1,40}$/u)
const empty = { report: null, encoding: null, confirm: null, committed: false }

export async function preview({ db, staffId, secret, currencies, form }: Ctx): Promise<[ImportAnswer, number]> {
  const source = Source.safeParse(form.get('source'))
  const file = form.get('file')
  const errors: ImportAnswer['errors'] = {}
  if (!source.success) errors.source = 'import.error.source'
  if (!file || typeof file === 'string' || file.size === 0 || file.size > MAX_BYTES) errors.file = 'import.error.file'
  if (!source.success || !file || typeof file === 'string' || Object.keys(errors).length)
    return [{ ...empty, errors }, 400]
  const decoded = decodeText(new Uint8Array(await file.arrayBuffer()))
  if (decoded.text === null) return [{ ...empty, errors: { file: 'import.error.encoding' } }, 400]
  const csv = decoded.text.replace(/^\uFEFF/, '')
  const report = await previewStatement(db, { csv, source: source.data, currencies })
  const clean = !report.headerError && !report.errors && report.rows.some((r) => r.status === 'new')
  return [
    {
      errors: {},
      report,
      encoding: decoded.encoding,
      confirm: clean
        ? {
            source: source.data,
            statement: Buffer.from(csv, 'utf8').toString('base64'),
            seal: statementSeal(secret, { staffId, source: source.data, csv }),
          }
        : null,
      committed: false,
    },
    report.headerError || report.errors ? 400 : 200,
  ]
}

export async function confirm({ db, staffId, secret, currencies, form }: Ctx): Promise<[ImportAnswer, number]> {
  const source = Source.safeParse(form.get('source'))
  const statement = form.get('statement')
  const csv = typeof statement === 'string' ? Buffer.from(statement, 'base64').toString('utf8') : null
  const seal = form.get('seal')
  if (
    !source.success ||
    typeof csv !== 'string' ||
    typeof seal !== 'string' ||
    !sealHolds(secret, { staffId, source: source.data, csv }, seal)
  )
    return [{ ...empty, errors: { file: 'import.error.seal' } }, 400]
  const report = await importStatement(db, { csv, source: source.data, dryRun: false, recordedBy: staffId, currencies })
  const ok = !report.headerError && !report.errors
  return [{ errors: {}, report, encoding: null, confirm: null, committed: ok }, ok ? 200 : 400]
}

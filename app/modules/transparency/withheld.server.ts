// One rule for every public projection (pages, API, open-data files): the code of a
// student without a standing public-story consent is replaced by WITHHELD_CODE, looked
// up on every request so a withdrawal takes effect on the next one. The hash chain still
// commits to the code it was posted with; see public/open-data.md for how such a record
// is verified.
import { createHash } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { publicStoryConsented } from '../beneficiaries/consent.server'
import { WITHHELD_CODE } from './withheld'

type Db = Kysely<Database>
export { WITHHELD_CODE }

const CODE = /HP-\d{6}-\d{4,}/g

/** The public codes that must not appear on a public surface right now. */
export async function withheldCodes(db: Db): Promise<Set<string>> {
  const rows = await db
    .selectFrom('beneficiaries')
    .select('public_code')
    .where(sql<boolean>`not ${publicStoryConsented('beneficiaries.id')}`)
    .execute()
  return new Set(rows.map((r) => r.public_code))
}

/** A text with every withheld code in it replaced (export lines, names, refs values). */
export function maskText(text: string, withheld: ReadonlySet<string>): string {
  if (withheld.size === 0) return text
  return text.replace(CODE, (code) => (withheld.has(code) ? WITHHELD_CODE : code))
}

/** A JSON-shaped value with every withheld code in its strings (keys included) replaced. */
export function maskValue<T>(value: T, withheld: ReadonlySet<string>): T {
  if (withheld.size === 0) return value
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskText(v, withheld)
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [maskText(k, withheld), walk(x)]))
    return v
  }
  return walk(value) as T
}

/** The codes among these that must not appear on a public surface right now: indexed lookups. */
async function withheldAmong(db: Db, codes: string[]): Promise<Set<string>> {
  const out = new Set<string>()
  for (let i = 0; i < codes.length; i += 500) {
    const rows = await db
      .selectFrom('beneficiaries')
      .select('public_code')
      .where('public_code', 'in', codes.slice(i, i + 500))
      .where(sql<boolean>`not ${publicStoryConsented('beneficiaries.id')}`)
      .execute()
    for (const r of rows) out.add(r.public_code)
  }
  return out
}

/**
 * maskValue with the codes looked up now: only the codes the value holds (a page names a
 * handful of students, not all of them), so a page costs a few index reads at any size.
 */
export async function withoutWithheld<T>(db: Db, value: T): Promise<T> {
  const codes = [...new Set(JSON.stringify(value ?? null).match(CODE) ?? [])]
  if (codes.length === 0) return value
  return maskValue(value, await withheldAmong(db, codes))
}

/** Part of every public ETag: a withdrawal changes what the answers say, not the chain head. */
export async function withheldVersion(db: Db): Promise<string> {
  const codes = [...(await withheldCodes(db))].sort()
  return createHash('sha256').update(codes.join(',')).digest('base64url').slice(0, 12)
}

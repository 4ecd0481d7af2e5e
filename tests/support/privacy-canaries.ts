// The seeded fake personal data of the demo students, as canaries: none of these
// strings may appear on any public page, export or API answer.
import type { DB } from '~/utils/db.server'

export type Canary = { kind: string; value: string; student: string }

// Chinese labels of the eligibility categories (as staff pages show them) and the codes.
export const CATEGORY_LABELS: Record<string, string[]> = {
  dibao: ['dibao', '低保户', '低保家庭学生'],
  tekun: ['tekun', '特困供养', '特困人员'],
  disability: ['disability', '残疾学生', '残疾'],
  left_behind: ['left_behind', '留守儿童'],
  orphan: ['orphan', '孤儿'],
  // The code 'other' is an everyday English word ("any other detail"): it identifies nothing, so it is no canary.
  other: ['其他困难'],
}

export async function loadCanaries(db: DB): Promise<Canary[]> {
  // Staff-only columns, read here on purpose: this is the list of what must never leak.
  const rows = await db
    .selectFrom('beneficiaries')
    .select([
      'public_code',
      'legal_name',
      'school',
      'national_id',
      'birth_date',
      'guardian_name',
      'guardian_phone',
      'categories',
    ])
    .execute()
  const out: Canary[] = []
  for (const r of rows) {
    const add = (kind: string, value: string) => out.push({ kind, value, student: r.public_code })
    add('legal name', r.legal_name)
    add('school', r.school)
    add('national id', r.national_id)
    add('birth date', r.birth_date)
    add('guardian name', r.guardian_name)
    add('guardian phone', r.guardian_phone)
    for (const c of JSON.parse(r.categories) as string[])
      for (const label of CATEGORY_LABELS[c] ?? [c]) add(`category ${c}`, label)
  }
  // One entry per distinct value (categories repeat across students).
  return [...new Map(out.map((c) => [`${c.kind}\u0000${c.value}`, c])).values()]
}

/**
 * The foundation's own published copy (campaign stories, programme descriptions) may
 * name a category in general terms ("为低保、特困家庭的学生…"); it says nothing about a
 * student, so it is removed before searching.
 */
export async function publicCopy(db: DB): Promise<string[]> {
  const campaigns = await db
    .selectFrom('campaigns')
    .select(['title', 'title_en', 'summary', 'summary_en', 'story', 'story_en'])
    .execute()
  const programmes = await db
    .selectFrom('programmes')
    .select(['name', 'name_en', 'description', 'description_en'])
    .execute()
  return [...campaigns.flatMap((c) => Object.values(c)), ...programmes.flatMap((p) => Object.values(p))]
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    .sort((a, b) => b.length - a.length)
}

/** Every canary found in text (after removing the public copy), with where it was found. */
export function findLeaks(text: string, canaries: Canary[], copy: string[] = []): string[] {
  let body = text
  for (const c of copy) body = body.replaceAll(c, ' ').replaceAll(JSON.stringify(c).slice(1, -1), ' ')
  // Escaped forms too: JSON \uXXXX escapes are decoded by parsing, HTML entities by the renderer.
  const hits: string[] = []
  for (const c of canaries) if (body.includes(c.value)) hits.push(`${c.kind} of ${c.student}: ${c.value}`)
  return hits
}

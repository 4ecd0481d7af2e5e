import type { DB } from '~/utils/db.server'
import { Refusal } from '~/utils/refusal'
import { recordAudit, type AuditAction } from '../audit/audit.server'
import { containsContactDetails } from '../sponsorships/letters.server'
import { pathInScope } from '../stations/scope.server'
import { publicStoryConsented } from './consent.server'

// A student's public story: a few sentences staff write for /sponsor and the student's
// page ("likes drawing, wants to be a teacher"). Public surfaces show a child only as
// pseudonym, county, grade and programme, so the story is refused when it carries the
// child's name (whole or given name), national ID, school, guardian, or any contact
// detail (the letters' check), and shown only while the public-story consent holds.

export const STORY_MIN = 10
export const STORY_MAX = 300

type Private = {
  legal_name: string
  national_id: string
  school: string
  guardian_name: string
  guardian_phone: string
}

// A school's name in general: two or more characters before 小学/中学/学校/完小 (镇雄县第一中学).
const SCHOOL = /[\u3400-\u9fff\w]{2,}(?:小学|中学|学校|完小|学堂)|\b[A-Z][a-z]+ (?:Primary|Middle|High) School\b/
// An ID-like run: 15–18 digits (the last may be X), with or without spaces.
const ID_LIKE = /(?:\d[\s-]?){14,17}[\dXx]/

/** The story as it may be published, or the refusal saying what it carries. */
export function checkStory(text: string, student: Private): string {
  const story = text.trim().replace(/\s+/g, ' ')
  if (story.length < STORY_MIN || story.length > STORY_MAX)
    throw new Refusal('story.error.length', { field: 'story', params: { min: STORY_MIN, max: STORY_MAX } })
  const compact = story.replace(/\s/g, '')
  const name = student.legal_name.replace(/\s/g, '')
  // The whole name, and a Chinese given name of two characters or more (林小红 → 小红).
  const names = [name, /^[\u3400-\u9fff]{3,}$/.test(name) ? name.slice(1) : ''].filter((n) => n.length >= 2)
  if (names.some((n) => compact.includes(n))) throw new Refusal('story.error.name', { field: 'story' })
  if (student.guardian_name && compact.includes(student.guardian_name.replace(/\s/g, '')))
    throw new Refusal('story.error.name', { field: 'story' })
  if (compact.toUpperCase().includes(student.national_id.toUpperCase()) || ID_LIKE.test(story))
    throw new Refusal('story.error.id', { field: 'story' })
  if ((student.school && compact.includes(student.school.replace(/\s/g, ''))) || SCHOOL.test(story))
    throw new Refusal('story.error.school', { field: 'story' })
  if (containsContactDetails(story) || compact.includes(student.guardian_phone))
    throw new Refusal('story.error.contact', { field: 'story' })
  return story
}

/** The story as staff see it (whatever the consent), or ''. */
export async function storyOf(db: DB, beneficiaryId: number): Promise<string> {
  const row = await db
    .selectFrom('student_stories')
    .select('story')
    .where('beneficiary_id', '=', beneficiaryId)
    .executeTakeFirst()
  return row?.story ?? ''
}

/** Write (or, when empty, remove) a student's story; the caller's scope is checked here too. */
export async function saveStory(
  db: DB,
  actor: { id: number; scope: string[]; ip: string },
  input: { beneficiaryId: number; story: string },
  now = new Date(),
): Promise<'saved' | 'removed' | 'notFound'> {
  return db.transaction().execute(async (trx) => {
    const student = await trx
      .selectFrom('beneficiaries')
      .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
      .select([
        'beneficiaries.legal_name',
        'beneficiaries.national_id',
        'beneficiaries.school',
        'beneficiaries.guardian_name',
        'beneficiaries.guardian_phone',
        'stations.path',
      ])
      .where('beneficiaries.id', '=', input.beneficiaryId)
      .executeTakeFirst()
    if (!student || !pathInScope(actor.scope, student.path)) return 'notFound'
    const audit = (action: AuditAction, after?: { story: string }) =>
      recordAudit(trx, {
        actorUserId: actor.id,
        action,
        entityType: 'beneficiary',
        entityId: input.beneficiaryId,
        after,
        ip: actor.ip,
      })
    if (!input.story.trim()) {
      await trx.deleteFrom('student_stories').where('beneficiary_id', '=', input.beneficiaryId).execute()
      await audit('student.story_removed')
      return 'removed'
    }
    const story = checkStory(input.story, student)
    const values = { story, written_by: actor.id, written_at: now.toISOString() }
    const had = await trx
      .selectFrom('student_stories')
      .select('beneficiary_id')
      .where('beneficiary_id', '=', input.beneficiaryId)
      .executeTakeFirst()
    if (had)
      await trx.updateTable('student_stories').set(values).where('beneficiary_id', '=', input.beneficiaryId).execute()
    else
      await trx
        .insertInto('student_stories')
        .values({ beneficiary_id: input.beneficiaryId, ...values })
        .execute()
    await audit('student.story_saved', { story })
    return 'saved'
  })
}

/** Of these public codes, the stories that may be shown now (public-story consent standing), by code. */
export async function publicStories(db: DB, codes: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(codes)]
  if (!unique.length) return new Map()
  const rows = await db
    .selectFrom('student_stories')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'student_stories.beneficiary_id')
    .select(['beneficiaries.public_code', 'student_stories.story'])
    .where('beneficiaries.public_code', 'in', unique)
    .where(publicStoryConsented('beneficiaries.id'))
    .execute()
  return new Map(rows.map((r) => [r.public_code, r.story]))
}

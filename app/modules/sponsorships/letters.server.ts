import type { DB } from '~/utils/db.server'
import { recordAudit } from '../audit/audit.server'
import { pathInScope, scopeCondition } from '../stations/scope.server'
import { Refusal } from '~/utils/refusal'

// Letters between a sponsor and their student. Every letter waits for staff
// moderation; a letter that looks like it carries contact details (a phone number, an
// email or web address, a WeChat/QQ id, a street address) is refused before it is
// even queued, and moderators reject anything else that identifies either side.

const CONTACT_PATTERNS: RegExp[] = [
  /(?:\+?\d[\s-]?){7,}/, // phone numbers, with or without separators
  /[^\s@]+@[^\s@]+\.[^\s@]+/, // email
  /(?:https?:\/\/|www\.)\S+/i, // links
  /(?:微信|wechat|weixin|vx|qq|whatsapp|telegram|line\s*id)[\s:：号]*[\w-]{3,}/i,
  /(?:地址|住址|address)\s*[:：]/i,
  /\d+\s*(?:号楼|单元|室|弄)/,
]

export function containsContactDetails(text: string): boolean {
  const normalised = text.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
  return CONTACT_PATTERNS.some((p) => p.test(normalised))
}

function checkBody(body: string): string {
  const text = body.trim()
  if (text.length < 2 || text.length > 2000) throw new Refusal('letters.error.length')
  if (containsContactDetails(text)) throw new Refusal('letters.error.contact')
  return text
}

/** The sponsor writes to the student (from their sponsor page). */
export async function submitSponsorLetter(db: DB, input: { token: string; body: string }, now = new Date()) {
  const body = checkBody(input.body)
  const s = await db
    .selectFrom('sponsorships')
    .select(['id', 'status'])
    .where('access_token', '=', input.token)
    .executeTakeFirst()
  if (!s || s.status === 'ended') throw new Refusal('letters.error.closed')
  await db
    .insertInto('sponsorship_letters')
    .values({
      sponsorship_id: s.id,
      direction: 'to_student',
      body,
      status: 'pending',
      submitted_at: now.toISOString(),
      submitted_by: null,
      moderated_by: null,
      moderated_at: null,
      reject_reason: null,
    })
    .execute()
}

async function sponsorshipInScope(db: DB, scope: string[], sponsorshipId: number) {
  const row = await db
    .selectFrom('sponsorships')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'sponsorships.beneficiary_id')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .select(['sponsorships.id', 'beneficiaries.station_id', 'stations.path'])
    .where('sponsorships.id', '=', sponsorshipId)
    .executeTakeFirst()
  return row && pathInScope(scope, row.path) ? { id: Number(row.id), stationId: Number(row.station_id) } : null
}

/** A caseworker transcribes the student's letter to the sponsor; it still needs moderation by someone else. */
export async function submitStudentLetter(
  db: DB,
  actor: { id: number; scope: string[]; ip: string },
  input: { sponsorshipId: number; body: string },
  now = new Date(),
) {
  const body = checkBody(input.body)
  const s = await sponsorshipInScope(db, actor.scope, input.sponsorshipId)
  if (!s) return 'notFound' as const
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('sponsorship_letters')
      .values({
        sponsorship_id: s.id,
        direction: 'to_sponsor',
        body,
        status: 'pending',
        submitted_at: now.toISOString(),
        submitted_by: actor.id,
        moderated_by: null,
        moderated_at: null,
        reject_reason: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: 'letter.submitted',
        entityType: 'letter',
        entityId: row.id,
        stationId: s.stationId,
        ip: actor.ip,
      },
      now,
    )
  })
  return 'submitted' as const
}

export async function listPendingLetters(db: DB, scope: string[]) {
  const rows = await db
    .selectFrom('sponsorship_letters as l')
    .innerJoin('sponsorships', 'sponsorships.id', 'l.sponsorship_id')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'sponsorships.beneficiary_id')
    .innerJoin('stations', 'stations.id', 'beneficiaries.station_id')
    .select(['l.id', 'l.direction', 'l.body', 'l.submitted_at', 'l.submitted_by', 'beneficiaries.public_code'])
    .where('l.status', '=', 'pending')
    .where(scopeCondition('stations.path', scope))
    .orderBy('l.id')
    .limit(200)
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    direction: r.direction,
    body: r.body,
    submittedAt: r.submitted_at,
    submittedBy: r.submitted_by,
    publicCode: r.public_code,
  }))
}

/** Approve or reject (with a reason). Nobody moderates a letter they transcribed. */
export async function moderateLetter(
  db: DB,
  actor: { id: number; scope: string[]; ip: string },
  input: { letterId: number; decision: 'approve' | 'reject'; reason: string },
  now = new Date(),
) {
  return db.transaction().execute(async (trx) => {
    const l = await trx
      .selectFrom('sponsorship_letters')
      .select(['id', 'sponsorship_id', 'status', 'submitted_by', 'body'])
      .where('id', '=', input.letterId)
      .executeTakeFirst()
    const s = l && (await sponsorshipInScope(trx, actor.scope, l.sponsorship_id))
    if (!l || !s) return 'notFound' as const
    if (l.status !== 'pending') throw new Refusal('letters.error.done')
    if (l.submitted_by === actor.id) throw new Refusal('letters.error.ownLetter')
    if (input.decision === 'approve' && containsContactDetails(l.body)) throw new Refusal('letters.error.contact')
    if (input.decision === 'reject' && !input.reason.trim()) throw new Refusal('letters.error.reason')
    const status = input.decision === 'approve' ? 'approved' : 'rejected'
    await trx
      .updateTable('sponsorship_letters')
      .set({
        status,
        moderated_by: actor.id,
        moderated_at: now.toISOString(),
        reject_reason: input.decision === 'reject' ? input.reason.trim() : null,
      })
      .where('id', '=', l.id)
      .execute()
    await recordAudit(
      trx,
      {
        actorUserId: actor.id,
        action: `letter.${status}`,
        entityType: 'letter',
        entityId: l.id,
        stationId: s.stationId,
        before: { status: 'pending' },
        after: { status, reason: input.reason.trim() || null },
        ip: actor.ip,
      },
      now,
    )
    return status
  })
}

import type { DB } from '~/utils/db.server'
import { chinaDate } from '~/utils/i18n'
import { pathInScope, scopeCondition } from '../stations/scope.server'

// Reading batches for the staff pages, within the caller's station scope.

export type BatchListItem = {
  id: number
  programme: string
  programmeEn: string
  term: string
  status: string
  total: number
  currency: string
  lines: number
  preparedAt: string
  stationName: string
  stationNameEn: string
}

export async function listBatches(db: DB, scope: string[]): Promise<BatchListItem[]> {
  const rows = await db
    .selectFrom('award_batches as b')
    .innerJoin('stations', 'stations.id', 'b.station_id')
    .innerJoin('programmes', 'programmes.id', 'b.programme_id')
    .select((eb) => [
      'b.id',
      'b.term',
      'b.status',
      'b.total_amount',
      'b.currency',
      'b.prepared_at',
      'programmes.name',
      'programmes.name_en',
      'stations.name as station_name',
      'stations.name_en as station_name_en',
      eb
        .selectFrom('award_lines')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('award_lines.batch_id', '=', 'b.id')
        .as('lines'),
    ])
    .where(scopeCondition('stations.path', scope))
    .orderBy('b.id', 'desc')
    .limit(200)
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    programme: r.name,
    programmeEn: r.name_en,
    term: r.term,
    status: r.status,
    total: r.total_amount,
    currency: r.currency,
    lines: Number(r.lines),
    preparedAt: r.prepared_at,
    stationName: r.station_name,
    stationNameEn: r.station_name_en,
  }))
}

/** A batch with its lines (pseudonym, grade, amount, fund) and its approvals; null when out of scope. */
export async function getBatch(db: DB, scope: string[], id: number) {
  const b = await db
    .selectFrom('award_batches as b')
    .innerJoin('stations', 'stations.id', 'b.station_id')
    .innerJoin('programmes', 'programmes.id', 'b.programme_id')
    .innerJoin('users', 'users.id', 'b.prepared_by')
    .selectAll('b')
    .select([
      'stations.path as station_path',
      'stations.name as station_name',
      'stations.name_en as station_name_en',
      'programmes.name as programme_name',
      'programmes.name_en as programme_name_en',
      'users.display_name as preparer_name',
    ])
    .where('b.id', '=', id)
    .executeTakeFirst()
  if (!b || !pathInScope(scope, b.station_path)) return null
  const lines = await db
    .selectFrom('award_lines')
    .innerJoin('beneficiaries', 'beneficiaries.id', 'award_lines.beneficiary_id')
    .select([
      'award_lines.id',
      'award_lines.amount',
      'award_lines.fund',
      'beneficiaries.public_code',
      'beneficiaries.grade',
    ])
    .where('award_lines.batch_id', '=', id)
    .orderBy('award_lines.id')
    .execute()
  const approvals = await db
    .selectFrom('batch_approvals')
    .innerJoin('users', 'users.id', 'batch_approvals.user_id')
    .select(['batch_approvals.user_id', 'users.display_name', 'batch_approvals.approved_at'])
    .where('batch_id', '=', id)
    .orderBy('batch_approvals.id')
    .execute()
  const proofs = await db
    .selectFrom('proof_files')
    .select(['id', 'mime', 'size', 'uploaded_at'])
    .where('entity_type', '=', 'award_batch')
    .where('entity_id', '=', id)
    .execute()
  return {
    ...b,
    id: Number(b.id),
    // China day of the award (the last approval): the earliest payout date.
    awardDate: b.approved_at ? chinaDate(new Date(b.approved_at)) : null,
    lines: lines.map((l) => ({
      id: Number(l.id),
      amount: l.amount,
      fund: l.fund,
      publicCode: l.public_code,
      grade: l.grade,
    })),
    approvals: approvals.map((a) => ({ userId: Number(a.user_id), name: a.display_name, at: a.approved_at })),
    proofs: proofs.map((p) => ({ id: Number(p.id), mime: p.mime, size: p.size, uploadedAt: p.uploaded_at })),
  }
}

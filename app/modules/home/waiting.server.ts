import type { DB } from '~/utils/db.server'
import { termLabel } from '~/utils/words'
import { stationScope, type StaffUser } from '../auth/authorize.server'
import { listStaff } from '../auth/staff.server'
import { scopeCondition } from '../stations/scope.server'
import { listPendingLetters } from '../sponsorships/letters.server'
import { reportSchedule } from '../transparency/reports.server'
import { listWishesForStaff } from '../wishes/wishes.server'

// The staff home (/admin): what waits for this person, each within the stations where
// they hold the permission the work needs. A list they cannot act on is left out.

export type WaitingItem = {
  id: number
  href: string
  label: string
  labelEn: string
  detail?: string
  /** The detail in English where it has a name of its own (a station). */
  detailEn?: string
  at?: string
}
export type Waiting = {
  batches: WaitingItem[] | null
  reports: (WaitingItem & { overdue: boolean })[] | null
  wishes: WaitingItem[] | null
  letters: WaitingItem[] | null
  invitations: WaitingItem[] | null
}

const LIMIT = 20

/** Prepared batches this person may approve: not their own, not already approved by them. */
async function batchesToApprove(db: DB, userId: number, scope: string[]): Promise<WaitingItem[]> {
  const rows = await db
    .selectFrom('award_batches as b')
    .innerJoin('stations', 'stations.id', 'b.station_id')
    .innerJoin('programmes', 'programmes.id', 'b.programme_id')
    .select([
      'b.id',
      'b.term',
      'b.prepared_at',
      'programmes.name',
      'programmes.name_en',
      'stations.name as station',
      'stations.name_en as station_en',
    ])
    .where('b.status', '=', 'prepared')
    .where('b.prepared_by', '!=', userId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('batch_approvals')
            .select('batch_approvals.id')
            .whereRef('batch_approvals.batch_id', '=', 'b.id')
            .where('batch_approvals.user_id', '=', userId),
        ),
      ),
    )
    .where(scopeCondition('stations.path', scope))
    .orderBy('b.prepared_at')
    .limit(LIMIT)
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    href: `/admin/batches/${r.id}`,
    label: `${r.name} · ${termLabel(r.term, 'zh-CN')}`,
    labelEn: `${r.name_en} · ${termLabel(r.term, 'en')}`,
    detail: r.station,
    detailEn: r.station_en,
    at: r.prepared_at,
  }))
}

export async function whatWaits(db: DB, staff: StaffUser): Promise<Waiting> {
  const scopeOf = (p: Parameters<typeof stationScope>[1]) => stationScope(staff, p)
  const approve = scopeOf('disbursements.approve')
  const reports = scopeOf('ledger.read')
  const wishes = scopeOf('wishes.manage')
  const letters = scopeOf('letters.moderate')
  const invites = scopeOf('staff.manage')
  const [b, r, w, l, i] = await Promise.all([
    approve.length ? batchesToApprove(db, staff.id, approve) : null,
    reports.length ? reportSchedule(db, reports) : null,
    wishes.length ? listWishesForStaff(db, wishes) : null,
    letters.length ? listPendingLetters(db, letters) : null,
    invites.length ? listStaff(db, invites) : null,
  ])
  return {
    batches: b,
    reports:
      r
        ?.filter((s) => s.status === 'due' || s.status === 'overdue')
        .slice(0, LIMIT)
        .map((s) => ({
          id: s.campaign.id,
          href: '/admin/reports',
          label: s.campaign.title,
          labelEn: s.campaign.titleEn,
          at: s.next?.dueAt,
          overdue: s.status === 'overdue',
        })) ?? null,
    wishes:
      w
        ?.filter((x) => x.status === 'open' && x.raised >= x.price)
        .slice(0, LIMIT)
        .map((x) => ({ id: x.id, href: '/admin/wishes', label: x.item, labelEn: x.item, detail: x.publicCode })) ??
      null,
    letters:
      l
        ?.filter((x) => x.submittedBy !== staff.id)
        .slice(0, LIMIT)
        .map((x) => ({
          id: x.id,
          href: '/admin/sponsorships',
          label: x.publicCode,
          labelEn: x.publicCode,
          at: x.submittedAt,
        })) ?? null,
    invitations:
      i
        ?.filter((m) => m.invited && m.active)
        .slice(0, LIMIT)
        .map((m) => ({
          id: m.id,
          href: `/admin/staff/${m.id}`,
          label: m.displayName,
          labelEn: m.displayName,
          detail: m.email,
        })) ?? null,
  }
}

/** The English names of these stations, by id (a staff member's grants carry only the Chinese ones). */
export async function stationNamesEn(db: DB, ids: number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map()
  const rows = await db.selectFrom('stations').select(['id', 'name_en']).where('id', 'in', ids).execute()
  return new Map(rows.map((r) => [Number(r.id), r.name_en]))
}

// Students in public: ONLY the pseudonymous code, grade and county, and only while
// the guardian's public-story consent stands (and, from the
// ledger, programme and amounts). Whatever consent a student has or has withdrawn,
// nothing else is ever selected here: no name, school, ID number, birth date,
// guardian, phone or category.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { publicStoryConsented } from '../beneficiaries/consent.server'
import { paidOf, payableOf } from '../ledger/accounts'
import { countyOfStations, type StationRow } from './places.server'

type Db = Kysely<Database>

export type PublicStudent = { code: string; grade: string; county: string }

/** Public facts of the given pseudonymous codes (unknown codes are left out). */
export async function publicStudents(db: Db, codes: string[]): Promise<Map<string, PublicStudent>> {
  const out = new Map<string, PublicStudent>()
  const unique = [...new Set(codes)].filter(Boolean)
  if (!unique.length) return out
  const stations = (await db.selectFrom('stations').select(['id', 'code', 'level', 'path']).execute()) as StationRow[]
  const countyOf = countyOfStations(stations)
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom('beneficiaries')
      .select(['public_code', 'grade', 'station_id'])
      .where('public_code', 'in', unique.slice(i, i + 500))
      .where(publicStoryConsented('beneficiaries.id'))
      .execute()
    for (const r of rows)
      out.set(r.public_code, { code: r.public_code, grade: r.grade, county: countyOf(r.station_id) })
  }
  return out
}

export type StudentEntry = {
  sequence: number
  kind: 'award' | 'payout' | 'correction'
  occurredAt: string
  amount: number
  currency: string
  fund: string | null
  programme: string
  term: string
}
export type StudentPage = PublicStudent & {
  entries: StudentEntry[]
  totals: { currency: string; awarded: number; paid: number }[]
  programmes: string[]
  funds: string[]
  donations: number
}

const CODE = /^[A-Z]{2}-[0-9A-Z-]{1,40}$/

/** A student's public page: what they were awarded and paid, from which funds. */
export async function getPublicStudent(db: Db, code: string): Promise<StudentPage | undefined> {
  if (!CODE.test(code)) return undefined
  // A withdrawn (or never given) public-story consent hides the student's page at once.
  const row = await db
    .selectFrom('beneficiaries')
    .select(['id', 'public_code', 'grade', 'station_id'])
    .where('public_code', '=', code)
    .where(publicStoryConsented('beneficiaries.id'))
    .executeTakeFirst()
  if (!row) return undefined
  const stations = (await db.selectFrom('stations').select(['id', 'code', 'level', 'path']).execute()) as StationRow[]
  const payable = payableOf(Number(row.id))
  const paid = paidOf(Number(row.id))
  const moves = await db
    .selectFrom('ledger_transfers as f')
    .innerJoin('ledger_transactions as x', 'x.sequence', 'f.sequence')
    .select([
      'f.sequence',
      'f.from_account',
      'f.to_account',
      'f.amount',
      'f.currency',
      'x.kind',
      'x.occurred_at',
      'x.refs',
    ])
    .where((eb) => eb.or([eb('f.to_account', '=', payable), eb('f.from_account', '=', payable)]))
    .orderBy('f.sequence', 'desc')
    .limit(500)
    .execute()
  const totals = new Map<string, { currency: string; awarded: number; paid: number }>()
  const programmes = new Set<string>()
  const funds = new Set<string>()
  const entries: StudentEntry[] = moves.map((m) => {
    const refs = JSON.parse(m.refs) as Record<string, string>
    const t = totals.get(m.currency) ?? { currency: m.currency, awarded: 0, paid: 0 }
    totals.set(m.currency, t)
    let kind: StudentEntry['kind'] = 'award'
    let fund: string | null = null
    if (m.to_account === payable) {
      // An award (or a correction undoing a payout: paid → payable).
      if (m.from_account === paid) {
        kind = 'correction'
        t.paid -= m.amount
      } else {
        fund = m.from_account
        t.awarded += m.amount
        funds.add(fund)
      }
    } else if (m.to_account === paid) {
      kind = 'payout'
      t.paid += m.amount
    } else {
      kind = 'correction'
      fund = m.to_account
      t.awarded -= m.amount
    }
    if (refs.programme) programmes.add(refs.programme)
    return {
      sequence: Number(m.sequence),
      kind,
      occurredAt: m.occurred_at,
      amount: m.amount,
      currency: m.currency,
      fund,
      programme: refs.programme ?? '',
      term: refs.term ?? '',
    }
  })
  const donations = await db
    .selectFrom('ledger_traces as t')
    .innerJoin('ledger_lots as l', 'l.id', 't.lot_id')
    .select((eb) => eb.fn.count<number>('l.donation_id').distinct().as('n'))
    .where('t.beneficiary_code', '=', code)
    .where('t.kind', '=', 'award')
    .executeTakeFirstOrThrow()
  return {
    code: row.public_code,
    grade: row.grade,
    county: countyOfStations(stations)(row.station_id),
    entries,
    totals: [...totals.values()],
    programmes: [...programmes],
    funds: [...funds],
    donations: Number(donations.n),
  }
}

import { createHash } from 'node:crypto'
import type { Selectable } from 'kysely'
import { z } from 'zod'
import { recordAudit } from '~/modules/audit/audit.server'
import { csvHead, csvLine, exportCells } from '~/modules/donations/desk-export.server'
import { deskTotals, eachDeskDonation, type DeskFilters, type DeskTotal } from '~/modules/donations/desk.server'
import { addDays, addMonths } from '~/utils/calendar-day'
import type { DB } from '~/utils/db.server'
import { chinaDate } from '~/utils/i18n'
import { Refusal } from '~/utils/refusal'
import type { FinanceClosesTable } from '../../../db/tables/finance'

// The monthly close: an accounting batch for one China-time month — the gifts paid in it,
// their count and totals per currency — prepared by finance, then frozen by its first
// export. The frozen file is the one handed to the accountant: every later export returns
// the same bytes, and the database refuses to change or delete a frozen close (trigger).
// A gift of that month changed afterwards (a late refund, a backdated offline gift) shows
// as a difference between the frozen snapshot and the books now, never as an edit.

export type CloseRow = Selectable<FinanceClosesTable>
export type SnapshotRow = { amount: number; fee: number; refunded: number; status: string; currency: string }
export type Snapshot = Record<string, SnapshotRow>

/** The file is always in Chinese: it must not depend on who exports it first. */
const FILE_LOCALE = 'zh-CN'

export const CloseMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'finance.close.error.month')

/** The desk filters of a month: China calendar days from its first to its last. */
export function monthFilters(month: string): DeskFilters {
  const first = `${month}-01`
  return { from: first, to: addDays(addMonths(first, 1), -1) }
}

const sumCount = (totals: DeskTotal[]) => totals.reduce((s, t) => s + t.count, 0)

function refuseUnlessOver(month: string, now: Date) {
  if (addMonths(`${month}-01`, 1) > chinaDate(now))
    throw new Refusal('finance.close.error.notOver', { status: 409, field: 'month', params: { month } })
}

export async function getClose(db: DB, month: string): Promise<CloseRow | undefined> {
  return db.selectFrom('finance_closes').selectAll().where('month', '=', month).executeTakeFirst()
}

export async function listCloses(db: DB): Promise<CloseRow[]> {
  return db.selectFrom('finance_closes').selectAll().orderBy('month', 'desc').limit(36).execute()
}

/** Prepare (or, until it is frozen, prepare again) the close of an ended month: its expected count and totals. */
export async function prepareClose(
  db: DB,
  input: { month: string; userId: number; ip?: string | null },
  now = new Date(),
): Promise<CloseRow> {
  const month = CloseMonth.parse(input.month)
  refuseUnlessOver(month, now)
  const existing = await getClose(db, month)
  if (existing?.frozen_at) throw new Refusal('finance.close.error.frozen', { status: 409, field: 'month' })
  const totals = await deskTotals(db, monthFilters(month))
  const values = {
    expected_count: sumCount(totals),
    expected_totals: JSON.stringify(totals),
    prepared_by: input.userId,
    prepared_at: now.toISOString(),
  }
  if (existing)
    await db
      .updateTable('finance_closes')
      .set(values)
      .where('id', '=', existing.id)
      .where('frozen_at', 'is', null)
      .execute()
  else
    await db
      .insertInto('finance_closes')
      .values({ month, ...values })
      .onConflict((oc) => oc.column('month').doNothing())
      .execute()
  const row = await getClose(db, month)
  if (!row || row.frozen_at || row.prepared_at !== values.prepared_at)
    throw new Refusal('finance.close.error.busy', { status: 409, field: 'month' })
  await recordAudit(db, {
    actorUserId: input.userId,
    action: existing ? 'finance.close.reprepare' : 'finance.close.prepare',
    entityType: 'finance_close',
    entityId: row.id,
    before: existing ? { count: existing.expected_count, totals: JSON.parse(existing.expected_totals) } : undefined,
    after: { month, count: values.expected_count, totals },
    ip: input.ip,
  })
  return row
}

/** The month's rows now: the CSV (BOM, zh-CN), its snapshot and its totals, from one pass. */
async function buildFile(db: DB, month: string) {
  let file = csvHead(FILE_LOCALE)
  const snapshot: Snapshot = {}
  const totals = new Map<string, DeskTotal>()
  for await (const r of eachDeskDonation(db, monthFilters(month))) {
    file += csvLine(exportCells(r, FILE_LOCALE))
    const fee = r.fee_amount ?? 0
    snapshot[r.public_id] = {
      amount: r.amount,
      fee,
      refunded: r.refunded_amount,
      status: r.status,
      currency: r.currency,
    }
    const t = totals.get(r.currency) ?? { currency: r.currency, count: 0, amount: 0, fee: 0, refunded: 0 }
    totals.set(r.currency, {
      ...t,
      count: t.count + 1,
      amount: t.amount + r.amount,
      fee: t.fee + fee,
      refunded: t.refunded + r.refunded_amount,
    })
  }
  const list = [...totals.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1))
  return { file, snapshot, totals: list }
}

const sameTotals = (a: DeskTotal[], b: DeskTotal[]) => JSON.stringify(a) === JSON.stringify(b)

/**
 * The close's file. The first export freezes it (only if the month still holds what was
 * prepared; else prepare again); every export after returns the frozen file unchanged.
 */
export async function exportClose(
  db: DB,
  input: { month: string; userId: number; ip?: string | null },
  now = new Date(),
): Promise<{ file: string; sha256: string; frozenNow: boolean; close: CloseRow }> {
  const month = CloseMonth.parse(input.month)
  let close = await getClose(db, month)
  if (!close) throw new Refusal('finance.close.error.missing', { status: 404, field: 'month' })
  let frozenNow = false
  if (!close.frozen_at) {
    const built = await buildFile(db, month)
    const expected = JSON.parse(close.expected_totals) as DeskTotal[]
    if (sumCount(built.totals) !== close.expected_count || !sameTotals(built.totals, expected))
      throw new Refusal('finance.close.error.changed', { status: 409, field: 'month' })
    const sha256 = createHash('sha256').update(built.file, 'utf8').digest('hex')
    // Only an unfrozen close is written: of two exports at once, one freezes and both return its file.
    const updated = await db
      .updateTable('finance_closes')
      .set({
        frozen_by: input.userId,
        frozen_at: now.toISOString(),
        file: built.file,
        file_sha256: sha256,
        snapshot: JSON.stringify(built.snapshot),
      })
      .where('id', '=', close.id)
      .where('frozen_at', 'is', null)
      .where('prepared_at', '=', close.prepared_at)
      .executeTakeFirst()
    frozenNow = Number(updated.numUpdatedRows) === 1
    close = (await getClose(db, month))!
    if (!close.frozen_at) throw new Refusal('finance.close.error.busy', { status: 409, field: 'month' })
  }
  await recordAudit(db, {
    actorUserId: input.userId,
    action: frozenNow ? 'finance.close.freeze' : 'finance.close.export',
    entityType: 'finance_close',
    entityId: close.id,
    after: { month, sha256: close.file_sha256, count: close.expected_count },
    ip: input.ip,
  })
  return { file: close.file!, sha256: close.file_sha256!, frozenNow, close }
}

export type CloseDifference = {
  added: string[]
  removed: string[]
  changed: { publicId: string; before: SnapshotRow; now: SnapshotRow }[]
  totalsNow: DeskTotal[]
}

/** What changed in a frozen month since its close: gifts added, gone, or with other amounts or status. */
export async function closeDifferences(db: DB, close: CloseRow): Promise<CloseDifference | null> {
  if (!close.snapshot) return null
  const before = JSON.parse(close.snapshot) as Snapshot
  const now = (await buildFile(db, close.month)).snapshot
  const changed: CloseDifference['changed'] = []
  for (const [id, row] of Object.entries(now)) {
    const was = before[id]
    if (was && JSON.stringify(was) !== JSON.stringify(row)) changed.push({ publicId: id, before: was, now: row })
  }
  return {
    added: Object.keys(now).filter((id) => !(id in before)),
    removed: Object.keys(before).filter((id) => !(id in now)),
    changed,
    totalsNow: await deskTotals(db, monthFilters(close.month)),
  }
}

/** A frozen close's file for a GET (which changes nothing): refused while the close is not frozen. */
export async function frozenFile(
  db: DB,
  input: { month: string; userId: number; ip?: string | null },
): Promise<{ file: string; sha256: string }> {
  const close = await getClose(db, CloseMonth.parse(input.month))
  if (!close?.frozen_at || close.file === null || close.file_sha256 === null)
    throw new Refusal('finance.close.error.notFrozen', { status: 404, field: 'month' })
  await recordAudit(db, {
    actorUserId: input.userId,
    action: 'finance.close.export',
    entityType: 'finance_close',
    entityId: close.id,
    after: { month: close.month, sha256: close.file_sha256, count: close.expected_count },
    ip: input.ip,
  })
  return { file: close.file, sha256: close.file_sha256 }
}

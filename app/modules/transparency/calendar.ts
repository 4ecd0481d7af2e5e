import { addDays as addDaysToDay, addMonths as addMonthsToDay } from '~/utils/calendar-day'
import { chinaDate } from '~/utils/i18n'

// The disclosure calendar of the 2026 rules (MCA Order 81, in force 2026-01-01), as a
// pure function of a campaign's dates, its published reports and its approved updates:
//  - a fundraising longer than six months discloses at least every three months while it runs;
//  - the full (final) disclosure within three months after it ends;
//  - the leftover-funds account within three months after the project ends. Our final
//    report carries the closing balance per currency, i.e. the leftover funds, and a
//    campaign's project ends with it here, so the final report clears both items;
//  - a warning when nothing public (update or report) has appeared for 150 days (some
//    designated platforms stop a charity that posts nothing for 180).
// Every date is a China calendar day (YYYY-MM-DD, Asia/Shanghai); a due day is met by
// anything published on or before it.

export type CalendarCampaign = {
  startsAt: string
  endsAt: string | null
  status: 'draft' | 'active' | 'closed' | string
}
export type CalendarReport = { publishedAt: string; final: boolean }
export type DisclosureKind = 'quarterly' | 'final' | 'leftover' | 'silence'
export type DisclosureStatus = 'done' | 'overdue' | 'due' | 'upcoming'
export type DisclosureItem = {
  kind: DisclosureKind
  /** 1, 2 … for quarterly disclosures; 0 otherwise. */
  number: number
  dueOn: string
  status: DisclosureStatus
  doneOn: string | null
}

export const QUIET_DAYS = 150
/** An item falls "due" this many days before its day; before that it is "upcoming". */
export const DUE_SOON_DAYS = 30

function statusOf(dueOn: string, today: string, doneOn: string | null): DisclosureStatus {
  if (doneOn) return 'done'
  if (today > dueOn) return 'overdue'
  return today >= addDaysToDay(dueOn, -DUE_SOON_DAYS) ? 'due' : 'upcoming'
}

/** What the campaign owes and when, in order of due day. Drafts owe nothing. */
export function disclosureCalendar(
  campaign: CalendarCampaign,
  reports: readonly CalendarReport[],
  updates: readonly { approvedAt: string }[],
  now: Date,
): DisclosureItem[] {
  if (campaign.status === 'draft') return []
  const today = chinaDate(now)
  const start = chinaDate(campaign.startsAt)
  const published = reports
    .map((r) => ({ on: chinaDate(r.publishedAt), final: r.final }))
    .sort((a, b) => (a.on < b.on ? -1 : 1))
  const periodic = published.filter((r) => !r.final).map((r) => r.on)
  const finalOn = published.find((r) => r.final)?.on ?? null
  const publicDays = [start, ...published.map((r) => r.on), ...updates.map((u) => chinaDate(u.approvedAt))].sort()
  // A closed campaign without an end date ended, at the latest, with its last public sign.
  const end = campaign.endsAt
    ? chinaDate(campaign.endsAt)
    : campaign.status === 'closed'
      ? (publicDays[publicDays.length - 1] ?? start)
      : null
  const items: DisclosureItem[] = []

  // Quarterly: every three months from the start, while the fundraising runs. A report
  // counts for the first quarter not yet met whose window (since the previous due day) it
  // falls in, so one report never clears two quarters.
  const long = end === null || end > addMonthsToDay(start, 6)
  if (long) {
    const horizon = end ?? addMonthsToDay(today, 3)
    let used = 0
    for (let k = 1; k <= 400; k++) {
      const dueOn = addMonthsToDay(start, 3 * k)
      if (dueOn >= horizon) break
      const after = k === 1 ? null : addMonthsToDay(start, 3 * (k - 1))
      while (used < periodic.length && after !== null && periodic[used]! <= after) used++
      const doneOn = used < periodic.length ? periodic[used]! : null
      if (doneOn) used++
      items.push({ kind: 'quarterly', number: k, dueOn, status: statusOf(dueOn, today, doneOn), doneOn })
    }
  }

  if (end !== null) {
    const dueOn = addMonthsToDay(end, 3)
    for (const kind of ['final', 'leftover'] as const)
      items.push({ kind, number: 0, dueOn, status: statusOf(dueOn, today, finalOn), doneOn: finalOn })
  }

  if (finalOn === null) {
    const last = publicDays[publicDays.length - 1] ?? start
    const dueOn = addDaysToDay(last, QUIET_DAYS)
    // On the 150th quiet day it has been quiet for 150 days: the warning is on from that day.
    const status = today >= dueOn ? 'overdue' : statusOf(dueOn, today, null)
    items.push({ kind: 'silence', number: 0, dueOn, status, doneOn: null })
  }
  return items.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0))
}

/** The worst open status of a campaign's items, for sorting and the staff home. */
export function worstStatus(items: readonly DisclosureItem[]): DisclosureStatus {
  for (const s of ['overdue', 'due', 'upcoming'] as const) if (items.some((i) => i.status === s)) return s
  return 'done'
}

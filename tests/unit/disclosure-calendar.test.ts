import { describe, expect, it } from 'vitest'
import { disclosureCalendar, worstStatus } from '~/modules/transparency/calendar'
import { addMonths as addMonthsToDay } from '~/utils/calendar-day'

// China time: 2026-01-09T16:00Z is already 10 January in Beijing.
const sevenMonths = { startsAt: '2026-01-09T16:00:00Z', endsAt: '2026-08-09T16:00:00Z', status: 'active' }
const at = (day: string, hour = '04:00') => new Date(`${day}T${hour}:00+08:00`)
const report = (day: string, final = false) => ({ publishedAt: at(day).toISOString(), final })
const of = (items: ReturnType<typeof disclosureCalendar>, kind: string) => items.filter((i) => i.kind === kind)

describe('disclosure calendar (MCA Order 81)', () => {
  it('a campaign running seven months owes two quarterly disclosures, on the right China days', () => {
    const items = disclosureCalendar(sevenMonths, [], [], at('2026-07-20'))
    expect(of(items, 'quarterly').map((i) => [i.number, i.dueOn, i.status])).toEqual([
      [1, '2026-04-10', 'overdue'],
      [2, '2026-07-10', 'overdue'],
    ])
    // The final disclosure and the leftover-funds account: three months after the end.
    expect(of(items, 'final')).toMatchObject([{ dueOn: '2026-11-10', status: 'upcoming' }])
    expect(of(items, 'leftover')).toMatchObject([{ dueOn: '2026-11-10', status: 'upcoming' }])
  })

  it('publishing one clears it, and one report never clears two quarters', () => {
    const one = disclosureCalendar(sevenMonths, [report('2026-04-08')], [], at('2026-07-20'))
    expect(of(one, 'quarterly').map((i) => [i.status, i.doneOn])).toEqual([
      ['done', '2026-04-08'],
      ['overdue', null],
    ])
    // Two reports before the first due day: the second is inside the first window, not the second.
    const early = disclosureCalendar(sevenMonths, [report('2026-03-01'), report('2026-04-01')], [], at('2026-07-20'))
    expect(of(early, 'quarterly').map((i) => i.status)).toEqual(['done', 'overdue'])
    const both = disclosureCalendar(sevenMonths, [report('2026-04-08'), report('2026-07-10')], [], at('2026-07-20'))
    expect(of(both, 'quarterly').map((i) => i.status)).toEqual(['done', 'done'])
    // A late report still meets the quarter it was late for.
    const late = disclosureCalendar(sevenMonths, [report('2026-05-02')], [], at('2026-05-03'))
    expect(of(late, 'quarterly').map((i) => [i.status, i.doneOn])).toEqual([
      ['done', '2026-05-02'],
      ['upcoming', null],
    ])
  })

  it('due within 30 days, upcoming before that, overdue the day after', () => {
    const q1 = (day: string) => of(disclosureCalendar(sevenMonths, [], [], at(day)), 'quarterly')[0]!.status
    expect(q1('2026-03-10')).toBe('upcoming')
    expect(q1('2026-03-11')).toBe('due')
    expect(q1('2026-04-10')).toBe('due')
    expect(q1('2026-04-11')).toBe('overdue')
    // China time: 00:30 on 11 April in Beijing is late, though the UTC date is still 10 April.
    const q1At = (iso: string) => of(disclosureCalendar(sevenMonths, [], [], new Date(iso)), 'quarterly')[0]!.status
    expect(q1At('2026-04-10T15:30:00Z')).toBe('due')
    expect(q1At('2026-04-10T16:30:00Z')).toBe('overdue')
  })

  it('six months or shorter: no quarterly disclosures; the final report clears final and leftover', () => {
    const short = { startsAt: '2026-01-09T16:00:00Z', endsAt: '2026-07-09T16:00:00Z', status: 'closed' }
    const open = disclosureCalendar(short, [], [], at('2026-10-11'))
    expect(of(open, 'quarterly')).toEqual([])
    expect(of(open, 'final')).toMatchObject([{ dueOn: '2026-10-10', status: 'overdue' }])
    const closed = disclosureCalendar(short, [report('2026-08-01', true)], [], at('2026-10-11'))
    expect(closed.map((i) => [i.kind, i.status])).toEqual([
      ['final', 'done'],
      ['leftover', 'done'],
    ])
    expect(worstStatus(closed)).toBe('done')
  })

  it('warns after 150 days with nothing public; an approved update or a report resets it', () => {
    const quiet = { startsAt: '2026-01-09T16:00:00Z', endsAt: null, status: 'active' }
    const silence = (now: string, updates: { approvedAt: string }[] = []) =>
      of(disclosureCalendar(quiet, [], updates, at(now)), 'silence')[0]!
    expect(silence('2026-06-08')).toMatchObject({ dueOn: '2026-06-09', status: 'due' })
    expect(silence('2026-06-09').status).toBe('overdue')
    expect(silence('2026-06-09', [{ approvedAt: at('2026-05-01').toISOString() }])).toMatchObject({
      dueOn: '2026-09-28',
      status: 'upcoming',
    })
    // Open-ended fundraisings disclose quarterly for as long as they run.
    expect(of(disclosureCalendar(quiet, [], [], at('2026-11-01')), 'quarterly').map((i) => i.dueOn)).toEqual([
      '2026-04-10',
      '2026-07-10',
      '2026-10-10',
      '2027-01-10',
    ])
  })

  it('month arithmetic clamps to the month end; drafts owe nothing', () => {
    expect(addMonthsToDay('2026-08-31', 6)).toBe('2027-02-28')
    expect(addMonthsToDay('2026-11-30', 3)).toBe('2027-02-28')
    expect(disclosureCalendar({ ...sevenMonths, status: 'draft' }, [], [], at('2026-12-01'))).toEqual([])
  })
})

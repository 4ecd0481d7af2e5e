import { z } from 'zod'

// A calendar day written YYYY-MM-DD that exists (no 2026-02-30, no month 13): the shape
// alone lets `new Date` throw "Invalid time value" further down.
export function isCalendarDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!match) return false
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number]
  // Date.UTC rolls an impossible day over into the next month; a real day comes back unchanged.
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

export const calendarDay = (message?: string) => z.string().refine(isCalendarDay, message ? { message } : undefined)

// Arithmetic on calendar days (YYYY-MM-DD), which carry no time zone: the parts go through
// Date.UTC only to roll months and days over, and are written back from those parts.
function dayParts(day: string): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!match) throw new Error(`not a calendar day: ${day}`)
  return [Number(match[1]), Number(match[2]), Number(match[3])]
}

function writeDay(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`
}

/** The day n days later (or earlier, for a negative n). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = dayParts(day)
  return writeDay(new Date(Date.UTC(y, m - 1, d + days)))
}

/** The same day n months later; the 31st becomes the month's last day (Aug 31 + 6 = Feb 28). */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = dayParts(day)
  const first = new Date(Date.UTC(y, m - 1 + months, 1))
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate()
  first.setUTCDate(Math.min(d, last))
  return writeDay(first)
}

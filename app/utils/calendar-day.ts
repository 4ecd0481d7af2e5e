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

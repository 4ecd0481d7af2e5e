import { z } from 'zod'

// A calendar day written YYYY-MM-DD that exists (no 2026-02-30, no month 13): the shape
// alone lets `new Date` throw "Invalid time value" further down.
export function isCalendarDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value
}

export const calendarDay = (message?: string) => z.string().refine(isCalendarDay, message ? { message } : undefined)

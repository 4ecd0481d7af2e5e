import { describe, expect, it } from 'vitest'
import { isCalendarDay } from '~/utils/calendar-day'

describe('isCalendarDay', () => {
  it('accepts days that exist, leap days included', () => {
    for (const day of ['2026-01-01', '2026-12-31', '2028-02-29', '2000-02-29']) expect(isCalendarDay(day)).toBe(true)
  })
  it('refuses days that do not exist and other shapes', () => {
    for (const day of [
      '2026-99-99',
      '2026-02-29',
      '2026-02-30',
      '1900-02-29',
      '2026-13-01',
      '2026-00-10',
      '2026-1-1',
      '',
      '2026-01-01T00:00',
    ])
      expect(isCalendarDay(day)).toBe(false)
  })
})

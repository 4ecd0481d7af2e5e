import { describe, expect, it } from 'vitest'
import { en } from '~/locales/en'
import { zhCN } from '~/locales/zh-CN'
import { formatDate, formatDateTime, resolveLocale, translator } from '~/utils/i18n'

const req = (url: string, headers: Record<string, string> = {}) => new Request(`http://localhost${url}`, { headers })

describe('i18n', () => {
  it('has the same keys in both catalogues, none empty', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort())
    for (const v of [...Object.values(en), ...Object.values(zhCN)]) expect(v.trim()).not.toBe('')
  })

  it('resolves ?lng, then cookie, then Accept-Language, then zh-CN', () => {
    expect(resolveLocale(req('/'))).toBe('zh-CN')
    expect(resolveLocale(req('/?lng=en'))).toBe('en')
    expect(resolveLocale(req('/', { Cookie: 'a=1; lng=en' }))).toBe('en')
    expect(resolveLocale(req('/?lng=zh-CN', { Cookie: 'lng=en' }))).toBe('zh-CN')
    expect(resolveLocale(req('/', { 'Accept-Language': 'fr;q=0.9, en-US;q=0.8' }))).toBe('en')
    expect(resolveLocale(req('/', { 'Accept-Language': 'en;q=0.5, zh-TW;q=0.9' }))).toBe('zh-CN')
    expect(resolveLocale(req('/', { 'Accept-Language': 'de' }))).toBe('zh-CN')
  })

  it('interpolates and formats dates in China time', () => {
    expect(translator('zh-CN')('campaign.donors', { count: 3 })).toBe('3 位捐赠人')
    expect(formatDate('2026-11-22T20:00:00Z', 'zh-CN')).toBe('2026年11月23日')
    expect(formatDate('2026-11-22T20:00:00Z', 'en')).toBe('November 23, 2026')
  })

  it('formats a moment in China time, short date and medium time unless asked otherwise', () => {
    expect(formatDateTime('2026-11-23T16:30:05Z', 'zh-CN')).toBe('2026/11/24 00:30:05')
    expect(formatDateTime(new Date('2026-11-23T16:30:05Z'), 'en')).toBe('11/24/26, 12:30:05 AM')
    expect(formatDateTime('2026-11-23T16:30:05Z', 'zh-CN', { dateStyle: 'medium', timeStyle: 'short' })).toBe(
      '2026年11月24日 00:30',
    )
  })
})

// A small typed dictionary rather than i18next: two locales, flat keys, and the
// compiler checks that every key exists in both catalogues and every call site.
import { en } from '../locales/en'
import { zhCN } from '../locales/zh-CN'

export const locales = ['zh-CN', 'en'] as const
export type Locale = (typeof locales)[number]
export const defaultLocale: Locale = 'zh-CN'

export type MessageKey = keyof typeof zhCN
export type Messages = { readonly [K in MessageKey]: string }

const catalogues: Record<Locale, Messages> = { 'zh-CN': zhCN, en }

/** A string that names a message: zod issue messages carry our keys, its defaults do not. */
export function isMessageKey(value: unknown): value is MessageKey {
  return typeof value === 'string' && Object.hasOwn(zhCN, value)
}

/**
 * The message for a code read from storage (a status, role or kind): `${prefix}${code}`,
 * checked against the catalogue, so an unknown code reads "unknown" and never shows raw.
 */
export function codeKey(prefix: string, code: string): MessageKey {
  const key = prefix + code
  return isMessageKey(key) ? key : 'common.unknownCode'
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value)
}

/** Normalise loose tags ("en-US", "zh", "zh-Hans-CN") to a supported locale. */
export function matchLocale(tag: string | null | undefined): Locale | undefined {
  if (!tag) return undefined
  const lower = tag.trim().toLowerCase()
  if (lower.startsWith('zh')) return 'zh-CN'
  if (lower.startsWith('en')) return 'en'
  return undefined
}

/** ?lng=, then the lng cookie, then Accept-Language (by q), then zh-CN. */
export function resolveLocale(request: Request): Locale {
  const url = new URL(request.url)
  const fromQuery = matchLocale(url.searchParams.get('lng'))
  if (fromQuery) return fromQuery
  const cookie = request.headers.get('Cookie') ?? ''
  const fromCookie = matchLocale(/(?:^|;\s*)lng=([^;]+)/.exec(cookie)?.[1])
  if (fromCookie) return fromCookie
  const accept = request.headers.get('Accept-Language') ?? ''
  const ranked = accept
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';')
      const q = params.find((p) => p.trim().startsWith('q='))
      return { tag: tag ?? '', q: q ? Number(q.trim().slice(2)) || 0 : 1 }
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q)
  for (const { tag } of ranked) {
    const match = matchLocale(tag)
    if (match) return match
  }
  return defaultLocale
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string

export function translator(locale: Locale): Translate {
  const messages = catalogues[locale]
  return (key, params) => {
    const template = messages[key] ?? zhCN[key] ?? key
    if (!params) return template
    return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`))
  }
}

export const TIME_ZONE = 'Asia/Shanghai'

/** 2026年11月23日 / November 23, 2026 — shown in China time. */
const dateFormats = new Map<Locale, Intl.DateTimeFormat>()

export function formatDate(iso: string | Date, locale: Locale): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso
  let format = dateFormats.get(locale)
  if (!format)
    dateFormats.set(locale, (format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: TIME_ZONE })))
  return format.format(date)
}

type DateTimeStyle = { dateStyle: 'short' | 'medium'; timeStyle: 'short' | 'medium' }
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>()

/** 2026/11/23 14:05:09 (short date, medium time by default): a moment, in China time. */
export function formatDateTime(
  iso: string | Date,
  locale: Locale,
  style: DateTimeStyle = { dateStyle: 'short', timeStyle: 'medium' },
): string {
  const key = `${locale}|${style.dateStyle}|${style.timeStyle}`
  let format = dateTimeFormats.get(key)
  if (!format) dateTimeFormats.set(key, (format = new Intl.DateTimeFormat(locale, { ...style, timeZone: TIME_ZONE })))
  return format.format(typeof iso === 'string' ? new Date(iso) : iso)
}

const monthFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * A calendar month (YYYY-MM, already a China-time month) as people read it: long
 * "2026年11月" / "November 2026", short "11月" / "Nov". Not a moment, so no zone shifts it.
 */
export function formatMonth(month: string, locale: Locale, style: 'long' | 'short' = 'long'): string {
  const at = new Date(`${month}-15T12:00:00+08:00`)
  if (!/^\d{4}-\d{2}$/.test(month) || Number.isNaN(at.getTime())) return month
  const key = `${locale}|${style}`
  let format = monthFormats.get(key)
  if (!format)
    monthFormats.set(
      key,
      (format = new Intl.DateTimeFormat(
        locale,
        style === 'long'
          ? { year: 'numeric', month: 'long', timeZone: TIME_ZONE }
          : { month: 'short', timeZone: TIME_ZONE },
      )),
    )
  return format.format(at)
}

// en-CA writes dates as YYYY-MM-DD, the form of <input type="date"> and of stored dates.
const CHINA_DAY = new Intl.DateTimeFormat('en-CA', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  timeZone: TIME_ZONE,
})

/**
 * The calendar date (YYYY-MM-DD) in China at a moment, by default now: the `max` and
 * default of a date input and the "not after today" checks. Not the ISO string's first ten characters,
 * which is the UTC date: still yesterday in China until 08:00.
 */
export function chinaDate(at: string | Date = new Date()): string {
  return CHINA_DAY.format(typeof at === 'string' ? new Date(at) : at)
}

// sv-SE writes a moment as "YYYY-MM-DD HH:mm:ss": sortable, and read as text by spreadsheets.
const CHINA_MOMENT = new Intl.DateTimeFormat('sv-SE', {
  dateStyle: 'short',
  timeStyle: 'medium',
  timeZone: TIME_ZONE,
})

/** 2026-11-23 10:00:00 — a moment in China time, for files (CSV) rather than pages. */
export function chinaDateTime(at: string | Date): string {
  return CHINA_MOMENT.format(typeof at === 'string' ? new Date(at) : at)
}

/** The first instant (ISO, UTC) of a China calendar day YYYY-MM-DD; China has no daylight saving. */
export function chinaDayStart(day: string): string {
  return new Date(`${day}T00:00:00+08:00`).toISOString()
}

/** A route's <title> in the reader's language (the root loader's locale): "登录 · 希望账本" / "Sign in · Hope Ledger". */
export function pageTitle(matches: ReadonlyArray<{ data?: unknown } | undefined>, key: MessageKey): string {
  const locale = (matches[0]?.data as { locale?: unknown } | undefined)?.locale
  const t = translator(isLocale(locale) ? locale : 'zh-CN')
  return `${t(key)} · ${t('app.name')}`
}

// Response headers for public, cacheable pages and data (a CDN may serve them).
// Pages vary by language (cookie, Accept-Language or ?lng=).

export const PUBLIC_PAGE_CACHE = 'public, max-age=60, s-maxage=60, stale-while-revalidate=300'
export const PUBLIC_DATA_CACHE = 'public, max-age=300, s-maxage=300, stale-while-revalidate=600'

export function publicPageHeaders(): HeadersInit {
  return { 'Cache-Control': PUBLIC_PAGE_CACHE, Vary: 'Cookie, Accept-Language' }
}

/** yyyy-mm-dd in China time → the ISO instant that day starts (or, with end, the last millisecond). */
export function dayBound(day: string | undefined, end = false): string | undefined {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined
  const ms = Date.parse(`${day}T00:00:00+08:00`)
  if (!Number.isFinite(ms)) return undefined
  return new Date(end ? ms + 86_400_000 - 1 : ms).toISOString()
}

// CSRF defence without tokens: every state-changing request (anything but GET and
// HEAD) must come from our own origin, shown by Origin or, failing that, by
// Sec-Fetch-Site. A request with neither is refused. Webhooks (signed, machine to
// machine) are the only exemption.

export type OriginCheckInput = {
  method: string
  url: string
  headers: { get(name: string): string | null | undefined }
}

const SAFE_METHODS = new Set(['GET', 'HEAD'])

export function isCsrfExempt(pathname: string): boolean {
  return pathname === '/webhooks' || pathname.startsWith('/webhooks/')
}

/** True when the request may proceed. `url` may be absolute or a path. */
export function checkOrigin(request: OriginCheckInput, baseUrl: string): boolean {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return true
  const ours = new URL(baseUrl).origin
  if (isCsrfExempt(new URL(request.url, ours).pathname)) return true
  const origin = request.headers.get('origin')
  if (origin) return origin === ours
  const site = request.headers.get('sec-fetch-site')
  if (site) return site === 'same-origin'
  return false
}

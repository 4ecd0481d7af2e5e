/** The client address: X-Forwarded-For's first hop only behind a trusted proxy (set by the server). */
export function clientIp(request: Request): string | null {
  return request.headers.get('x-hope-client-ip')
}

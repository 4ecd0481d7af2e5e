import crypto from 'node:crypto'

// The thank-you page shows a gift's amount and its private trace link only to the browser
// that started its checkout. A donation's public id is public (donations.jsonl), so the
// page cannot trust it alone: starting the checkout sets a cookie named for that gift,
// valid for a day (a Stripe Checkout session's own lifetime), signed with SESSION_SECRET.
// Its path is /donate, not /donate/thanks: client navigations fetch /donate/thanks.data.
// Anyone else with the link sees a generic thank-you.

export const CHECKOUT_COOKIE_TTL_MS = 24 * 3600_000
const cookieName = (publicId: string) => `hl_gift_${publicId.replace(/[^A-Za-z0-9-]/g, '')}`

function signature(secret: string, publicId: string, expires: number): string {
  return crypto.createHmac('sha256', secret).update(`thanks:${publicId}:${expires}`).digest('base64url')
}

/** The Set-Cookie that lets this browser see its own gift on /donate/thanks. */
export function checkoutCookie(publicId: string, options: { secret: string; baseUrl: string; now?: number }): string {
  const expires = (options.now ?? Date.now()) + CHECKOUT_COOKIE_TTL_MS
  const secure = options.baseUrl.startsWith('https:') ? '; Secure' : ''
  // SameSite=Lax: the provider sends the donor back with a top-level GET, which carries it.
  return (
    `${cookieName(publicId)}=${expires}.${signature(options.secret, publicId, expires)}; ` +
    `Path=/donate; Max-Age=${CHECKOUT_COOKIE_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure}`
  )
}

/** True when the request carries this gift's unexpired, correctly signed cookie. */
export function madeThisCheckout(request: Request, publicId: string, options: { secret: string; now?: number }) {
  const name = cookieName(publicId)
  const value = (request.headers.get('cookie') ?? '')
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${name}=`))
    ?.slice(name.length + 1)
  const match = /^(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '')
  if (!match) return false
  const expires = Number(match[1])
  if (expires < (options.now ?? Date.now())) return false
  const expected = Buffer.from(signature(options.secret, publicId, expires))
  const given = Buffer.from(match[2]!)
  return expected.length === given.length && crypto.timingSafeEqual(expected, given)
}

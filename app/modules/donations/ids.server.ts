import crypto from 'node:crypto'

// Crockford base32 without look-alikes, so codes survive being read aloud or typed from paper.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

function randomBase32(length: number): string {
  const bytes = crypto.randomBytes(length)
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! & 31]
  return out
}

/** Public donation id for the open ledger, e.g. D-7K2M9QX4TB (50 bits). */
export const newDonationPublicId = () => `D-${randomBase32(10)}`

/** Unguessable tracking code that opens a donor's trace page (125 bits). */
export const newTrackingCode = () => randomBase32(25)

/** SHA-256 of a client address, so rate limits need no raw IPs at rest. */
export function clientKey(ip: string | null | undefined): string | null {
  return ip ? crypto.createHash('sha256').update(`client:${ip}`).digest('hex').slice(0, 32) : null
}

/** Public code of a team page, e.g. T-7K2M9QX4 (40 bits): its URL and refs.team of its gifts. */
export const newTeamCode = () => `T-${randomBase32(8)}`

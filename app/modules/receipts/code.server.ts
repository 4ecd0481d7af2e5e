import crypto from 'node:crypto'

// Verification codes: 12 symbols of Crockford base32 (60 bits), shown as XXXX-XXXX-XXXX.
//
// Stored in plain text, not hashed, on purpose: the code is a capability for a
// low-sensitivity view (amount, date, campaign, valid/voided — never the donor's
// contact details), and it must be reproducible: every re-rendered PDF carries it
// in its QR code, and resent emails and the donor portal link to it. A hash would
// force a second plaintext copy elsewhere. Comparisons are constant-time, and 60
// random bits make guessing a code for a known (sequential) number hopeless.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

export function newVerificationCode(): string {
  const bytes = crypto.randomBytes(12)
  let out = ''
  for (const b of bytes) out += ALPHABET[b & 31]
  return out
}

/** Accept what people type: upper or lower case, dashes and spaces, O for 0, I and L for 1. */
export function normaliseCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
}

export function displayCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code
}

export function codesMatch(stored: string, input: string): boolean {
  const a = crypto.createHash('sha256').update(stored).digest()
  const b = crypto.createHash('sha256').update(normaliseCode(input)).digest()
  return crypto.timingSafeEqual(a, b)
}

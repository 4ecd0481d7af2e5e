import crypto from 'node:crypto'
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'

/** An unguessable token: 160 random bits, base32 (URL- and cookie-safe). */
export function generateToken(bytes = 20): string {
  return encodeBase32LowerCaseNoPadding(crypto.randomBytes(bytes))
}

/** Hex SHA-256: what the database keeps in place of a token. */
export function sha256Hex(value: string): string {
  return crypto.createHash('sha256').update(value, 'utf8').digest('hex')
}

/** A keyed digest (HMAC-SHA256, base64url) of `purpose:value`: a link's claim, a kept identifier. */
export function keyedDigest(secret: string, purpose: string, value: string): string {
  return crypto.createHmac('sha256', secret).update(`${purpose}:${value}`, 'utf8').digest('base64url')
}

export function timingSafeEqualText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

// Secrets we must read back (TOTP keys) are sealed with AES-256-GCM under a key
// derived from SESSION_SECRET, so a copy of the database alone does not reveal them.
function sealingKey(secret: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secret, 'hope-ledger', 'totp-secret-v1', 32))
}

export function seal(plain: Uint8Array, secret: string): string {
  const iv = crypto.randomBytes(12)
  const cipher = crypto.createCipheriv('aes-256-gcm', sealingKey(secret), iv)
  const body = Buffer.concat([cipher.update(plain), cipher.final()])
  return ['v1', iv.toString('base64'), body.toString('base64'), cipher.getAuthTag().toString('base64')].join('.')
}

export function unseal(sealed: string, secret: string): Uint8Array {
  const [version, iv, body, tag] = sealed.split('.')
  if (version !== 'v1' || !iv || !body || !tag) throw new Error('unknown sealed format')
  const decipher = crypto.createDecipheriv('aes-256-gcm', sealingKey(secret), Buffer.from(iv, 'base64'))
  decipher.setAuthTag(Buffer.from(tag, 'base64'))
  return new Uint8Array(Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]))
}

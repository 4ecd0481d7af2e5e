import crypto from 'node:crypto'
import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding } from '@oslojs/encoding'
import { createTOTPKeyURI, generateHOTP } from '@oslojs/otp'
import QRCode from 'qrcode'
import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { generateToken, seal, sha256Hex, timingSafeEqualText, unseal } from './tokens.server'

// RFC 6238: 30-second steps, 6 digits, SHA-1 (what every authenticator app speaks).
// One step either side is accepted for clock drift, and each accepted step is stored:
// a code (or any earlier one) is never accepted twice.
export const TOTP_PERIOD = 30
export const TOTP_DIGITS = 6
const DRIFT_STEPS = 1
const RECOVERY_CODE_COUNT = 10
const ISSUER = 'Hope Ledger'

export function totpStep(now = Date.now()): number {
  return Math.floor(now / 1000 / TOTP_PERIOD)
}

/** Which step (if any) within the drift window this code belongs to. */
export function matchStep(key: Uint8Array, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null
  const current = totpStep(now)
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    if (timingSafeEqualText(generateHOTP(key, BigInt(step), TOTP_DIGITS), code)) return step
  }
  return null
}

export type TotpStatus = { enabled: boolean; pending: boolean; recoveryCodesLeft: number }

export async function getTotpStatus(db: DB, userId: number): Promise<TotpStatus> {
  const row = await db
    .selectFrom('totp_credentials')
    .select('enabled_at')
    .where('user_id', '=', userId)
    .executeTakeFirst()
  const codes = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow()
  return { enabled: !!row?.enabled_at, pending: !!row && !row.enabled_at, recoveryCodesLeft: Number(codes.n) }
}

export type Enrolment = { secret: string; uri: string; qrDataUrl: string }

/** The pending secret to show (created when asked, kept until confirmed), or null when none / TOTP is already on. */
export async function pendingEnrolment(
  db: DB,
  user: { id: number; email: string },
  options: { create: boolean },
): Promise<Enrolment | null> {
  const secretKey = getEnv().SESSION_SECRET
  let row = await db.selectFrom('totp_credentials').selectAll().where('user_id', '=', user.id).executeTakeFirst()
  if (row?.enabled_at) return null
  if (!row && !options.create) return null
  if (!row) {
    await db
      .insertInto('totp_credentials')
      .values({
        user_id: user.id,
        secret_encrypted: seal(crypto.randomBytes(20), secretKey),
        enabled_at: null,
        last_used_step: null,
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute()
    row = await db.selectFrom('totp_credentials').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow()
  }
  const key = unseal(row.secret_encrypted, secretKey)
  const uri = createTOTPKeyURI(ISSUER, user.email, key, TOTP_PERIOD, TOTP_DIGITS)
  return {
    secret: encodeBase32UpperCaseNoPadding(key),
    uri,
    qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }),
  }
}

/**
 * Accept a code once: the matching step must be later than the last accepted one,
 * and the update is conditional so two concurrent submissions cannot both win.
 */
async function consumeCode(
  db: DB,
  userId: number,
  code: string,
  which: 'enabled' | 'pending',
  now: number,
): Promise<boolean> {
  const row = await db.selectFrom('totp_credentials').selectAll().where('user_id', '=', userId).executeTakeFirst()
  if (!row || (which === 'enabled') !== !!row.enabled_at) return false
  const step = matchStep(unseal(row.secret_encrypted, getEnv().SESSION_SECRET), code.trim(), now)
  if (step === null) return false
  const result = await db
    .updateTable('totp_credentials')
    .set({ last_used_step: step, ...(which === 'pending' ? { enabled_at: new Date(now).toISOString() } : {}) })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Confirm enrolment with a first code; returns fresh recovery codes (shown once) or null. */
export async function confirmEnrolment(
  db: DB,
  userId: number,
  code: string,
  now = Date.now(),
): Promise<string[] | null> {
  if (!(await consumeCode(db, userId, code, 'pending', now))) return null
  return regenerateRecoveryCodes(db, userId)
}

/** A sign-in or step-up code: a six-digit TOTP code or an unused recovery code. */
export async function verifySecondFactor(
  db: DB,
  userId: number,
  input: string,
  now = Date.now(),
): Promise<'totp' | 'recovery' | null> {
  const code = input.replace(/\s+/g, '')
  if (/^\d{6}$/.test(code)) return (await consumeCode(db, userId, code, 'enabled', now)) ? 'totp' : null
  const normal = code.toLowerCase().replace(/-/g, '')
  if (!/^[a-z2-7]{10,40}$/.test(normal)) return null
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: new Date(now).toISOString() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', sha256Hex(normal))
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1 ? 'recovery' : null
}

/** Replace every recovery code; the plain codes are returned once and only their hashes kept. */
export async function regenerateRecoveryCodes(db: DB, userId: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => generateToken(10))
  const at = new Date().toISOString()
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
    await trx
      .insertInto('recovery_codes')
      .values(codes.map((c) => ({ user_id: userId, code_hash: sha256Hex(c), used_at: null, created_at: at })))
      .execute()
  })
  return codes.map((c) => `${c.slice(0, 8)}-${c.slice(8)}`)
}

/** Turn TOTP off for a user (an admin resetting a lost device): removes secret and codes. */
export async function resetTotp(db: DB, userId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
    await trx.deleteFrom('totp_credentials').where('user_id', '=', userId).execute()
  })
}

/** For tests and the e2e: decode a shown secret. */
export function decodeSecret(secret: string): Uint8Array {
  return decodeBase32IgnorePadding(secret.replace(/\s+/g, '').toUpperCase())
}

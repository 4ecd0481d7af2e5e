import { hash, verify } from '@node-rs/argon2'

// OWASP's argon2id baseline: m=19 MiB, t=2, p=1.
const ARGON2ID = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 }

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 128

export async function hashPassword(password: string): Promise<string> {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new RangeError(`password must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`)
  }
  return hash(password, ARGON2ID)
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX) return false
  try {
    return await verify(stored, password)
  } catch {
    return false
  }
}

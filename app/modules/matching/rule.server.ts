// The matching rule, pure: what a pool gives a gift, before caps and balance. Published
// word for word in public/open-data.md ("Matching pools"), and recomputed from the export
// alone by tests/integration/matching-export.test.ts.
import { createHash } from 'node:crypto'
import type { Selectable } from 'kysely'
import type { MatchingPoolsTable } from '../../../db/tables/matching'
import { chinaDate } from '../../utils/i18n'

export type PoolRow = Selectable<MatchingPoolsTable>

const DAY_MS = 86_400_000
const CHINA_OFFSET_MS = 8 * 3_600_000

/**
 * A random match: SHA-256 of "hope-ledger/match:<prev hash>:<gift id>" (UTF-8), where the
 * prev hash is the chain hash before the match is posted (the gift's own donation
 * transaction, posted just before in the same database transaction); its first 12 hex
 * digits read as an integer n (48 bits); the amount is min + (n mod (max − min + 1)) fen.
 * Unknown before the gift is booked (the hash covers it), recomputable by anyone after.
 */
export function randomMatch(prevHash: string, giftRef: string, min: number, max: number): number {
  const digest = createHash('sha256').update(`hope-ledger/match:${prevHash}:${giftRef}`, 'utf8').digest('hex')
  const n = Number.parseInt(digest.slice(0, 12), 16)
  return min + (n % (max - min + 1))
}

/** A ratio match: floor(gift × ratio_match / ratio_gift) fen (1:1 doubles a gift, 1:2 gives twice it). */
export function ratioMatch(gift: number, ratioGift: number, ratioMatchOf: number): number {
  return Math.floor((gift * ratioMatchOf) / ratioGift)
}

/** The match before caps; the rule's text as written into the match's refs.rule. */
export function ruleOf(pool: PoolRow): string {
  return pool.rule === 'random'
    ? `random:${pool.random_min}:${pool.random_max}`
    : `ratio:${pool.ratio_gift}:${pool.ratio_match}`
}

export function rawMatch(pool: PoolRow, gift: number, prevHash: string, giftRef: string): number {
  if (pool.rule === 'random') return randomMatch(prevHash, giftRef, pool.random_min ?? 0, pool.random_max ?? 0)
  return ratioMatch(gift, pool.ratio_gift, pool.ratio_match)
}

/** Minutes since 00:00 China time of a moment. */
export function chinaMinute(at: string | Date): number {
  const ms = (typeof at === 'string' ? Date.parse(at) : at.getTime()) + CHINA_OFFSET_MS
  return Math.floor((((ms % DAY_MS) + DAY_MS) % DAY_MS) / 60_000)
}

/** Open at this moment: active, between its China dates (inclusive), within its daily hours [opens, closes). */
export function isOpen(pool: PoolRow, at: string | Date): boolean {
  if (pool.status !== 'active') return false
  const day = chinaDate(at)
  if (day < pool.starts_on || day > pool.ends_on) return false
  const minute = chinaMinute(at)
  return minute >= (pool.opens_minute ?? 0) && minute < (pool.closes_minute ?? 24 * 60)
}

/** The next moment (ISO) the pool opens after `now`, undefined when open now or never again. */
export function nextOpening(pool: PoolRow, now: Date): string | undefined {
  if (pool.status !== 'active' || isOpen(pool, now)) return undefined
  const opens = pool.opens_minute ?? 0
  let day = chinaDate(now) < pool.starts_on ? pool.starts_on : chinaDate(now)
  for (let i = 0; i < 2 && day <= pool.ends_on; i++) {
    const at = new Date(Date.parse(`${day}T00:00:00+08:00`) + opens * 60_000)
    if (at > now) return at.toISOString()
    day = chinaDate(new Date(at.getTime() + DAY_MS))
  }
  return undefined
}

// The canonical public record of a transaction and the hash chain over it.
// public/open-data.md ("Hash chain") describes this byte for byte: change both or neither.
//
// The invariant of record version 2 (every record from the switch on; version 1 records
// keep verifying as they were): the hashed record never carries a committed reference
// (COMMITTED_KEYS: the donor's display name, the student's code) in the clear. Its refs
// hold commitment(key, value, salt) instead, and the value with its salt sits beside the
// history in ledger_disclosures. A disclosure either reproduces its commitment, or it is
// withdrawn (value and salt gone, the commitment alone stays and is accepted as it is).
// Salts come from the CSPRNG and are never derivable from anything public; they are
// published only together with their value. verifyLedger asserts this for every row.
import * as crypto from 'node:crypto'
import { createHash, randomBytes } from 'node:crypto'
import { LedgerInputError } from './errors'

export const GENESIS_HASH = '0'.repeat(64)
export type RecordVersion = 1 | 2
/** The version new records are written in. */
export const CURRENT_VERSION: RecordVersion = 2
export const RECORD_VERSION = 'hope-ledger/1'
const VERSION_TAG: Record<RecordVersion, string> = { 1: RECORD_VERSION, 2: 'hope-ledger/2' }
/** References a version-2 record commits to instead of carrying. */
export const COMMITTED_KEYS = ['beneficiary', 'donor'] as const
export type CommittedKey = (typeof COMMITTED_KEYS)[number]
export const isCommittedKey = (key: string): key is CommittedKey => (COMMITTED_KEYS as readonly string[]).includes(key)
const SALT = /^[0-9a-f]{32}$/
const DIGEST = /^[0-9a-f]{64}$/

/** A fresh salt: 16 bytes from the CSPRNG as 32 lowercase hex characters. */
export function newSalt(): string {
  return randomBytes(16).toString('hex')
}

/** commitment = hex(SHA-256(UTF-8(salt ‖ ":" ‖ key ‖ ":" ‖ value))). */
export function commitment(key: string, value: string, salt: string): string {
  if (!SALT.test(salt)) throw new LedgerInputError('a salt is 32 lowercase hex characters')
  return createHash('sha256').update(`${salt}:${key}:${value}`, 'utf8').digest('hex')
}

/** Is this a well-formed commitment (64 lowercase hex)? */
export const isCommitment = (text: string | undefined): boolean => text !== undefined && DIGEST.test(text)

export type Disclosure = { key: CommittedKey; value: string; salt: string }

/** Version-2 refs: each committed key's value replaced by its commitment under a fresh salt. */
export function commitRefs(refs: CanonicalRefs): { refs: CanonicalRefs; disclosures: Disclosure[] } {
  const out: CanonicalRefs = { ...refs }
  const disclosures: Disclosure[] = []
  for (const key of COMMITTED_KEYS) {
    const value = refs[key]
    if (value === undefined) continue
    const salt = newSalt()
    out[key] = commitment(key, value, salt)
    disclosures.push({ key, value, salt })
  }
  return { refs: out, disclosures }
}

export type RefValue = string | number
export type Refs = Record<string, RefValue>
export type CanonicalRefs = Record<string, string>
export type TransferLike = { from: string; to: string; amount: number; currency: string }

const REF_KEY = /^[a-z][a-z0-9_]{0,31}$/
// Public references only: printable text, no control characters.
// eslint-disable-next-line no-control-regex -- the control characters are what it refuses
const REF_VALUE = /^[^\u0000-\u001f\u007f]{1,200}$/u

/** ISO-8601 UTC with milliseconds (2026-11-23T02:00:00.000Z); anything unparseable is refused. */
export function normaliseTime(value: string): string {
  const ms = Date.parse(value)
  if (!Number.isFinite(ms)) throw new LedgerInputError(`not a time: ${value}`)
  return new Date(ms).toISOString()
}

/** Keys sorted by code point, every value a string (integers in decimal). */
export function canonicalRefs(refs: Refs | undefined): CanonicalRefs {
  const out: CanonicalRefs = {}
  const entries = Object.entries(refs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [key, value] of entries) {
    if (!REF_KEY.test(key)) throw new LedgerInputError(`bad reference key: ${key}`)
    let text: string
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new LedgerInputError(`reference ${key} must be an integer or text`)
      text = String(value)
    } else if (typeof value === 'string') text = value
    else throw new LedgerInputError(`reference ${key} must be an integer or text`)
    if (!REF_VALUE.test(text)) throw new LedgerInputError(`bad reference value for ${key}`)
    out[key] = text
  }
  return out
}

/**
 * The canonical public record: a JSON array, exactly as ECMAScript JSON.stringify writes
 * ["hope-ledger/<version>", sequence, kind, occurred_at, [[key, value]…], [[from, to, amount, currency]…]]
 * with every scalar a string (in version 2 committed refs hold their commitment). Built by
 * hand because verify runs it a million times.
 */
export function canonicalRecord(
  sequence: number,
  kind: string,
  occurredAt: string,
  refs: CanonicalRefs,
  transfers: TransferLike[],
  version: RecordVersion = 1,
): string {
  let out = `["${VERSION_TAG[version]}","${sequence}",${JSON.stringify(kind)},${JSON.stringify(occurredAt)},[`
  const keys = Object.keys(refs).sort()
  for (let i = 0; i < keys.length; i++)
    out += `${i ? ',' : ''}[${JSON.stringify(keys[i])},${JSON.stringify(refs[keys[i]!])}]`
  out += '],['
  for (let i = 0; i < transfers.length; i++) {
    const t = transfers[i]!
    out += `${i ? ',' : ''}[${JSON.stringify(t.from)},${JSON.stringify(t.to)},"${t.amount}",${JSON.stringify(t.currency)}]`
  }
  return `${out}]]`
}

// crypto.hash (Node 20.12+): the same digest without a Hash object per call (verify makes a million).
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash
/** hash = hex(SHA-256(UTF-8(prev_hash ‖ record))). */
export function chainHash(prevHash: string, record: string): string {
  return oneShot
    ? oneShot('sha256', prevHash + record, 'hex')
    : createHash('sha256')
        .update(prevHash + record, 'utf8')
        .digest('hex')
}

/**
 * The one request digest, stored with every transaction and compared when its key comes
 * again: hex(SHA-256(stable JSON of { kind, occurredAt, ...content })), keys sorted, undefined
 * values left out. `content` is what was asked: the posting itself ({ refs, transfers }, as
 * normalised) when its transfers follow from the input alone, otherwise the asked fields
 * (a refund's donation and amount: its transfers depend on the lots left). Databases hold
 * digests made this way, so a change here makes every earlier request a conflict.
 */
export function requestDigest(kind: string, occurredAt: string, content: Record<string, unknown>): string {
  return createHash('sha256')
    .update(stableJson({ ...content, kind, occurredAt }), 'utf8')
    .digest('hex')
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
      .join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

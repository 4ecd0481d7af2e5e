// The canonical public record of a transaction and the hash chain over it.
// public/open-data.md ("Hash chain") describes this byte for byte: change both or neither.
import { createHash } from 'node:crypto'
import { LedgerInputError } from './errors'

export const GENESIS_HASH = '0'.repeat(64)
export const RECORD_VERSION = 'hope-ledger/1'

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
 * ["hope-ledger/1", sequence, kind, occurred_at, [[key, value]…], [[from, to, amount, currency]…]]
 * with every scalar a string. Built by hand because verify runs it a million times.
 */
export function canonicalRecord(
  sequence: number,
  kind: string,
  occurredAt: string,
  refs: CanonicalRefs,
  transfers: TransferLike[],
): string {
  let out = `["${RECORD_VERSION}","${sequence}",${JSON.stringify(kind)},${JSON.stringify(occurredAt)},[`
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

/** hash = hex(SHA-256(UTF-8(prev_hash ‖ record))). */
export function chainHash(prevHash: string, record: string): string {
  return createHash('sha256')
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

// Disclosures of version-2 records (hash.server.ts, the commitment invariant): the value
// and salt of each committed reference, kept beside the append-only history. Readers get
// refs "opened" (values in place of commitments); erasure withdraws value and salt.
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { ANONYMOUS_NAME } from '../donations/display-name'
import { isCommittedKey, type CommittedKey } from './hash.server'
import { chunks } from './write.server'

type Db = Kysely<Database>
/** Per committed key: its value and salt, or null once withdrawn. */
export type Disclosures = Partial<Record<CommittedKey, { value: string; salt: string } | null>>

/** The disclosures of these sequences (version-1 sequences have none). */
export async function disclosuresOf(db: Db, sequences: readonly number[]): Promise<Map<number, Disclosures>> {
  const out = new Map<number, Disclosures>()
  for (const part of chunks([...new Set(sequences)], 500)) {
    if (!part.length) continue
    const rows = await db
      .selectFrom('ledger_disclosures')
      .select(['sequence', 'key', 'value', 'salt'])
      .where('sequence', 'in', part)
      .execute()
    for (const r of rows) {
      const entry = out.get(r.sequence) ?? {}
      entry[r.key] = r.value !== null && r.salt !== null ? { value: r.value, salt: r.salt } : null
      out.set(r.sequence, entry)
    }
  }
  return out
}

/**
 * Refs as people read them: each committed reference of a version-2 record replaced by
 * its disclosed value, or left out when withdrawn (or when `hide` says it is withheld now).
 * Version-1 refs are returned as they are.
 */
export function openRefs(
  refs: Record<string, string>,
  disclosures: Disclosures | undefined,
  hide: (key: CommittedKey, value: string) => boolean = () => false,
): Record<string, string> {
  if (!disclosures) return refs
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(refs)) {
    if (!isCommittedKey(key)) out[key] = value
    else {
      const d = disclosures[key]
      if (d && !hide(key, d.value)) out[key] = d.value
    }
  }
  return out
}

/** The donor's display name of a donation record as published: its value, the name shown for anonymous gifts once withdrawn. */
export async function publishedDonorName(db: Db, row: { sequence: number; display_name: string }): Promise<string> {
  const d = (await disclosuresOf(db, [row.sequence])).get(row.sequence)
  if (!d) return row.display_name
  return d.donor?.value ?? ANONYMOUS_NAME
}

/** Withdraw the donor name of these transactions: value and salt removed, the commitment stays. */
export async function withdrawDonorNames(db: Db, sequences: readonly number[], at: string): Promise<number> {
  let n = 0
  for (const part of chunks([...new Set(sequences)], 500)) {
    if (!part.length) continue
    const r = await db
      .updateTable('ledger_disclosures')
      .set({ value: null, salt: null, withdrawn_at: at })
      .where('key', '=', 'donor')
      .where('sequence', 'in', part)
      .where('value', 'is not', null)
      .executeTakeFirst()
    n += Number(r.numUpdatedRows)
  }
  return n
}

import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { AuditKind } from '../audit/audit.server'
import type { DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import type { ProofMime } from '../../../db/tables/students'
import { Refusal } from '~/utils/refusal'
import { cleanProof, MAX_PROOF_BYTES } from './proof-check.server'

// Proof files (payout slips, receipts, photos) kept under UPLOAD_DIR (data/uploads by
// default). The type is decided by the file's first bytes, never by its name or the
// browser's claim; only PDF, JPEG and PNG up to 5 MB are kept, and only once the whole
// file has passed cleanProof() (proof-check.server.ts): PDFs parsed, pictures re-encoded.

export { checkProof, MAX_PROOF_BYTES, sniffMime } from './proof-check.server'

const EXT: Record<ProofMime, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' }

/** Read an uploaded File from a form (null when absent or empty). */
export async function fileBytes(value: FormDataEntryValue | null): Promise<Uint8Array | null> {
  if (!value || typeof value === 'string') return null
  if (value.size > MAX_PROOF_BYTES) throw new Refusal('upload.error.tooLarge', { field: 'proof', status: 413 })
  const bytes = new Uint8Array(await value.arrayBuffer())
  return bytes.length ? bytes : null
}

/** Store the bytes (content-addressed) and record them in the caller's transaction. */
export async function saveProof(
  trx: DB,
  input: { entityType: AuditKind; entityId: number; bytes: Uint8Array; uploadedBy: number },
  now = new Date(),
): Promise<{ id: number; mime: ProofMime }> {
  const { mime, bytes } = await cleanProof(input.bytes)
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex')
  const relative = path.join(input.entityType, `${sha256}.${EXT[mime]}`)
  const full = path.resolve(getEnv().UPLOAD_DIR, relative)
  await fs.mkdir(path.dirname(full), { recursive: true })
  await fs.writeFile(full, bytes, { mode: 0o600 })
  const row = await trx
    .insertInto('proof_files')
    .values({
      entity_type: input.entityType,
      entity_id: input.entityId,
      path: relative,
      mime,
      size: bytes.length,
      sha256,
      uploaded_by: input.uploadedBy,
      uploaded_at: now.toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: Number(row.id), mime }
}

/** A proof file's record when its batch or wish lies in the caller's station scope. */
export async function getProofInScope(db: DB, scope: string[], id: number) {
  const proof = await db.selectFrom('proof_files').selectAll().where('id', '=', id).executeTakeFirst()
  if (!proof) return null
  const owner =
    proof.entity_type === 'award_batch'
      ? await db
          .selectFrom('award_batches')
          .innerJoin('stations', 'stations.id', 'award_batches.station_id')
          .select(['stations.id', 'stations.path'])
          .where('award_batches.id', '=', proof.entity_id)
          .executeTakeFirst()
      : proof.entity_type === 'wish'
        ? await db
            .selectFrom('wishes')
            .innerJoin('stations', 'stations.id', 'wishes.station_id')
            .select(['stations.id', 'stations.path'])
            .where('wishes.id', '=', proof.entity_id)
            .executeTakeFirst()
        : undefined
  if (!owner || !scope.some((p) => owner.path.startsWith(p))) return null
  return { ...proof, id: Number(proof.id), stationId: Number(owner.id) }
}

/** The stored bytes, or null when the file is gone from UPLOAD_DIR. */
export async function readProofBytes(relative: string): Promise<Uint8Array | null> {
  const root = path.resolve(getEnv().UPLOAD_DIR)
  const full = path.resolve(root, relative)
  if (!full.startsWith(root + path.sep)) return null
  try {
    return new Uint8Array(await fs.readFile(full))
  } catch {
    return null
  }
}

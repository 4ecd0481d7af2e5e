import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { getEnv } from '~/utils/env.server'
import { Refusal } from '~/utils/refusal'

// Campaign covers. The type is decided by the file's first bytes (JPEG, PNG or WebP),
// never by its name; the picture is then decoded and re-encoded as WebP at most
// 1600 px on a side. sharp writes no metadata unless asked, so EXIF (GPS, camera,
// owner) and XMP never reach the public; the orientation is applied to the pixels first.

export const MAX_COVER_BYTES = 5 * 1024 * 1024
const MAX_SIDE = 1600
export const COVER_DIR = 'covers'

export type CoverType = 'image/jpeg' | 'image/png' | 'image/webp'

export function sniffImage(bytes: Uint8Array): CoverType | null {
  const at = (offset: number, sig: number[]) => sig.every((b, i) => bytes[offset + i] === b)
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'image/webp' // RIFF....WEBP
  return null
}

/** The uploaded file's bytes, or null when no file was chosen. */
export async function coverBytes(value: FormDataEntryValue | null): Promise<Uint8Array | null> {
  if (!value || typeof value === 'string') return null
  if (value.size > MAX_COVER_BYTES) throw new Refusal('campaigns.error.coverTooLarge', { field: 'cover', status: 413 })
  const bytes = new Uint8Array(await value.arrayBuffer())
  return bytes.length ? bytes : null
}

/** Check, decode and re-encode: the bytes that may be shown to the public. */
export async function reencodeCover(bytes: Uint8Array): Promise<Buffer> {
  if (bytes.length > MAX_COVER_BYTES)
    throw new Refusal('campaigns.error.coverTooLarge', { field: 'cover', status: 413 })
  if (!sniffImage(bytes)) throw new Refusal('campaigns.error.coverType', { field: 'cover', status: 422 })
  // Loaded when a cover comes: sharp and libvips are ~8 MB in a process that never resizes one.
  const { default: sharp } = await import('sharp')
  try {
    return await sharp(bytes, { failOn: 'error', limitInputPixels: 50_000_000 })
      .rotate()
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer()
  } catch {
    // Right magic bytes, broken picture.
    throw new Refusal('campaigns.error.coverUnreadable', { field: 'cover', status: 422 })
  }
}

/**
 * Store a re-encoded picture (content-addressed); returns its path relative to UPLOAD_DIR.
 * Covers by default; progress-update photos use the same path into their own folder.
 */
export async function saveCover(bytes: Uint8Array, dir: string = COVER_DIR): Promise<string> {
  const clean = await reencodeCover(bytes)
  const sha256 = crypto.createHash('sha256').update(clean).digest('hex')
  const relative = path.join(dir, `${sha256}.webp`)
  const full = path.resolve(getEnv().UPLOAD_DIR, relative)
  await fs.mkdir(path.dirname(full), { recursive: true })
  await fs.writeFile(full, clean, { mode: 0o644 })
  return relative
}

/** The stored cover (or picture in `dir`), or null when it is not such a file or is gone. */
export async function readCover(fileName: string, dir: string = COVER_DIR): Promise<Buffer | null> {
  if (!/^[0-9a-f]{64}\.webp$/.test(fileName)) return null
  try {
    return await fs.readFile(path.resolve(getEnv().UPLOAD_DIR, dir, fileName))
  } catch {
    return null
  }
}

/** The cover's public address, from its stored path. */
export function coverUrl(stored: string | null): string | null {
  return stored ? `/covers/${stored.split('/').pop()}` : null
}

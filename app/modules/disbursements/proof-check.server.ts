import type { PDFDocument, PDFObject } from 'pdf-lib'
import type { ProofMime } from '../../../db/tables/students'
import { Refusal } from '~/utils/refusal'

// A proof is checked as a whole file, not by its first bytes: a file that starts with
// `%PDF-1.4` and carries an HTML page is a polyglot a browser may render as a page.
// PDFs must parse (pdf-lib) with at least one page, unencrypted, with no active content
// (JavaScript, launch/submit actions, embedded files, XFA forms) and no HTML anywhere
// in their bytes. Pictures are decoded and re-encoded by sharp (orientation applied to
// the pixels, no metadata written), so no EXIF or GPS — nor anything hidden beside the
// pixels — is kept.

export const MAX_PROOF_BYTES = 5 * 1024 * 1024

export function sniffMime(bytes: Uint8Array): ProofMime | null {
  const starts = (sig: number[]) => sig.every((b, i) => bytes[i] === b)
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf' // %PDF-
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  return null
}

export function checkProof(bytes: Uint8Array | null | undefined): ProofMime {
  if (!bytes || bytes.length === 0) throw new Refusal('upload.error.missing', { field: 'proof' })
  if (bytes.length > MAX_PROOF_BYTES) throw new Refusal('upload.error.tooLarge', { field: 'proof', status: 413 })
  const mime = sniffMime(bytes)
  if (!mime) throw new Refusal('upload.error.type', { field: 'proof', status: 422 })
  return mime
}

const HTML_MARKERS =
  /<(?:!doctype|html|head|body|script|iframe|frame|svg|object|embed|meta|form|style|img|link|base)[\s>/]|javascript:/i

// Dictionary keys and action types that make a PDF do something when opened or clicked.
// (An /OpenAction or /AA that only turns a page is fine; one holding such an action is found by the walk.)
const ACTIVE_KEYS = new Set(['JS', 'JavaScript', 'EmbeddedFile', 'EmbeddedFiles', 'RichMedia', 'XFA'])
const ACTIVE_ACTIONS = new Set(['JavaScript', 'Launch', 'SubmitForm', 'ImportData', 'RichMediaExecute', 'Rendition'])

const refuse = (key: 'upload.error.unreadable' | 'upload.error.active') =>
  new Refusal(key, { field: 'proof', status: 422 })

type PdfLib = typeof import('pdf-lib')

function isActive(lib: PdfLib, obj: PDFObject | undefined, seen: Set<PDFObject>): boolean {
  const { PDFArray, PDFDict, PDFName, PDFRawStream } = lib
  if (!obj || seen.has(obj)) return false
  seen.add(obj)
  if (obj instanceof PDFRawStream) return isActive(lib, obj.dict, seen)
  if (obj instanceof PDFArray) return obj.asArray().some((o) => isActive(lib, o, seen))
  if (!(obj instanceof PDFDict)) return false
  for (const [name, value] of obj.entries()) {
    const key = name.decodeText()
    if (ACTIVE_KEYS.has(key)) return true
    if (key === 'S' && value instanceof PDFName && ACTIVE_ACTIONS.has(value.decodeText())) return true
    if (isActive(lib, value, seen)) return true
  }
  return false
}

export async function inspectPdf(bytes: Uint8Array): Promise<void> {
  // Latin-1 keeps one character per byte, so markers are found wherever they sit.
  if (HTML_MARKERS.test(Buffer.from(bytes).toString('latin1'))) throw refuse('upload.error.active')
  // pdf-lib and sharp load with the first proof: a process that takes none never carries them.
  const lib = await import('pdf-lib')
  let doc: PDFDocument
  try {
    doc = await lib.PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: true })
    if (doc.getPageCount() < 1) throw new Error('no pages')
  } catch {
    // Not a PDF a reader can open (or encrypted, so it cannot be checked).
    throw refuse('upload.error.unreadable')
  }
  const seen = new Set<PDFObject>()
  for (const [, obj] of doc.context.enumerateIndirectObjects())
    if (isActive(lib, obj, seen)) throw refuse('upload.error.active')
  if (isActive(lib, doc.context.trailerInfo.Root, seen)) throw refuse('upload.error.active')
}

/** Decode and re-encode a picture in its own format; nothing but the pixels survives. */
export async function reencodeImage(bytes: Uint8Array, mime: 'image/jpeg' | 'image/png'): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp')
  try {
    const image = sharp(bytes, { failOn: 'error', limitInputPixels: 50_000_000 }).rotate()
    const out = mime === 'image/jpeg' ? image.jpeg({ quality: 90 }) : image.png()
    return new Uint8Array(await out.toBuffer())
  } catch {
    throw refuse('upload.error.unreadable')
  }
}

/** The bytes that may be kept as a proof, and their type; refuses anything else on the field. */
export async function cleanProof(
  bytes: Uint8Array | null | undefined,
): Promise<{ mime: ProofMime; bytes: Uint8Array }> {
  const mime = checkProof(bytes)
  if (mime === 'application/pdf') {
    await inspectPdf(bytes!)
    return { mime, bytes: bytes! }
  }
  return { mime, bytes: await reencodeImage(bytes!, mime) }
}

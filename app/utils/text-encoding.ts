// Files people upload come from Excel: UTF-8 (often with a BOM) from a Mac or a recent
// Excel, GB18030/GBK from Excel on Chinese Windows. Decoding GBK as UTF-8 turns every
// Chinese character into U+FFFD ("����"), and a receipt would carry that name, so the
// encoding is detected from the bytes and a file neither decodes cleanly is refused.
// Node's TextDecoder (full ICU) decodes GB18030, a superset of GBK and GB2312.

export type DetectedEncoding = 'utf-8-bom' | 'utf-8' | 'gb18030'

export type Decoded = { text: string; encoding: DetectedEncoding } | { text: null; encoding: null }

export function decodeText(bytes: Uint8Array): Decoded {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    const text = strict('utf-8', bytes.subarray(3))
    return text === null ? { text: null, encoding: null } : { text, encoding: 'utf-8-bom' }
  }
  // Valid UTF-8 first: GBK bytes of Chinese text almost never form valid UTF-8 sequences.
  const utf8 = strict('utf-8', bytes)
  if (utf8 !== null) return { text: utf8, encoding: 'utf-8' }
  const gb = strict('gb18030', bytes)
  if (gb !== null) return { text: gb, encoding: 'gb18030' }
  return { text: null, encoding: null }
}

function strict(label: string, bytes: Uint8Array): string | null {
  // A UTF-8 file holding U+FFFD (garbled before it reached us) stays UTF-8: read as GBK
  // it would become "锟斤拷" everywhere. The import refuses such cells row by row.
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return null
  }
}

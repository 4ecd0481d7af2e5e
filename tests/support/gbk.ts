// GBK bytes as Excel on Chinese Windows writes them, made in the test: the encoder is the
// inverse of Node's own GB18030 decoder over every two-byte GBK code (lead 0x81–0xFE,
// trail 0x40–0xFE but 0x7F), so the fixture is real GBK without a dependency.

let table: Map<string, [number, number]> | undefined

function gbkTable(): Map<string, [number, number]> {
  if (table) return table
  table = new Map()
  const decoder = new TextDecoder('gb18030')
  for (let lead = 0x81; lead <= 0xfe; lead++)
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue
      const ch = decoder.decode(new Uint8Array([lead, trail]))
      if (ch.length === 1 && ch !== '\uFFFD' && !table.has(ch)) table.set(ch, [lead, trail])
    }
  return table
}

/** The GBK bytes of `text` (ASCII as is); throws on a character GBK cannot hold. */
export function gbkBytes(text: string): Uint8Array {
  const out: number[] = []
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (code < 0x80) {
      out.push(code)
      continue
    }
    const pair = gbkTable().get(ch)
    if (!pair) throw new Error(`not in GBK: ${ch}`)
    out.push(...pair)
  }
  return new Uint8Array(out)
}

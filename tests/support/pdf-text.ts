import zlib from 'node:zlib'

/**
 * The text of a pdfkit PDF: inflate every stream, read the embedded font's ToUnicode
 * map, and decode the hex glyph strings of each TJ. pdfkit writes one glyph id per
 * four hex digits; our documents use one font, so one map decodes everything.
 */
export function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1')
  const streams: string[] = []
  // pdfkit writes "stream\n", the bytes, "\nendstream": a \r before that \n is the data's
  // own last byte (about one stream in 256 ends in 0x0d), not part of a line end.
  for (const m of source.matchAll(/stream\n([\s\S]*?)\nendstream/g)) {
    const raw = Buffer.from(m[1]!, 'latin1')
    try {
      streams.push(zlib.inflateSync(raw).toString('latin1'))
    } catch {
      streams.push(m[1]!)
    }
  }
  const map = new Map<number, string>()
  for (const s of streams.filter((x) => x.includes('beginbfrange'))) {
    for (const range of s.matchAll(/<([0-9a-f]+)> <([0-9a-f]+)> \[([^\]]*)\]/gi)) {
      let gid = Number.parseInt(range[1]!, 16)
      for (const entry of range[3]!.matchAll(/<([0-9a-f ]+)>/gi)) {
        const units = entry[1]!.split(' ').map((h) => Number.parseInt(h, 16))
        map.set(gid++, String.fromCharCode(...units))
      }
    }
  }
  const lines: string[] = []
  for (const s of streams) {
    for (const tj of s.matchAll(/\[([^\]]*)\] TJ/g)) {
      let line = ''
      for (const hex of tj[1]!.matchAll(/<([0-9a-f]*)>/gi)) {
        for (let i = 0; i < hex[1]!.length; i += 4) line += map.get(Number.parseInt(hex[1]!.slice(i, i + 4), 16)) ?? '?'
      }
      lines.push(line)
    }
  }
  return lines.join('\n')
}

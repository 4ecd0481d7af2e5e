import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { pdfText } from '../support/pdf-text'

// The test helper that reads receipt PDFs must not depend on the compressed bytes: a
// stream whose deflated data ends in 0x0d once turned a whole receipt into "????".
describe('pdfText', () => {
  it('decodes a document whose font map stream ends in a carriage-return byte', () => {
    const map = (pad: string) => `${pad}\n1 beginbfrange\n<0001> <0002> [<5df2> <4f5c>]\nendbfrange\n`
    let pad = ''
    let cmap = zlib.deflateSync(map(pad))
    for (let i = 0; cmap.at(-1) !== 0x0d; i++) cmap = zlib.deflateSync(map((pad = `% ${i}`)))
    const content = zlib.deflateSync('BT [<00010002>] TJ ET')
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.3\n1 0 obj\n<< >>\nstream\n', 'latin1'),
      cmap,
      Buffer.from('\nendstream\nendobj\n2 0 obj\n<< >>\nstream\n', 'latin1'),
      content,
      Buffer.from('\nendstream\nendobj\n', 'latin1'),
    ])
    expect(cmap.at(-1)).toBe(0x0d)
    expect(pdfText(pdf)).toBe('已作')
  })
})

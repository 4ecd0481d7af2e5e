import zlib from 'node:zlib'
import { decodeText } from './text-encoding'

// Just enough of ZIP to read a provider's bill archive (Alipay's daily bill is a zip of two
// GBK CSVs): the central directory, stored and deflated entries, CRC-checked. Names without
// the UTF-8 flag are decoded as Alipay writes them (GBK), through the same detection as uploads.

export type ZipEntry = { name: string; data: Buffer }

export class ZipError extends Error {}

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

export function readZip(buf: Buffer): ZipEntry[] {
  // The end-of-central-directory record is in the last 22 bytes plus at most a 64 KiB comment.
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--)
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i
      break
    }
  if (eocd < 0) throw new ZipError('not a zip archive')
  const count = buf.readUInt16LE(eocd + 10)
  let at = buf.readUInt32LE(eocd + 16)
  const entries: ZipEntry[] = []
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== CENTRAL) throw new ZipError('zip central directory broken')
    const flags = buf.readUInt16LE(at + 8)
    const method = buf.readUInt16LE(at + 10)
    const crc = buf.readUInt32LE(at + 16)
    const size = buf.readUInt32LE(at + 20)
    const nameLength = buf.readUInt16LE(at + 28)
    const extraLength = buf.readUInt16LE(at + 30)
    const commentLength = buf.readUInt16LE(at + 32)
    const local = buf.readUInt32LE(at + 42)
    const rawName = buf.subarray(at + 46, at + 46 + nameLength)
    at += 46 + nameLength + extraLength + commentLength
    if (flags & 0x1) throw new ZipError('encrypted zip entry')
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL) throw new ZipError('zip local header broken')
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    const compressed = buf.subarray(start, start + size)
    let data: Buffer
    if (method === 0) data = Buffer.from(compressed)
    else if (method === 8) data = zlib.inflateRawSync(compressed)
    else throw new ZipError(`zip method ${method}`)
    if (zlib.crc32(data) !== crc) throw new ZipError('zip entry CRC mismatch')
    const name = flags & 0x800 ? rawName.toString('utf8') : (decodeText(rawName).text ?? rawName.toString('latin1'))
    entries.push({ name, data })
  }
  return entries
}

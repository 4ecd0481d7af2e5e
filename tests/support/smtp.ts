// A real SMTP server on 127.0.0.1 and a free port, recording what it receives, with
// hooks to misbehave (temporary rejections, dropped connections) for retry tests.
import { SMTPServer } from 'smtp-server'

export type ReceivedMail = {
  raw: string
  headers: Record<string, string>
  messageId: string
  subject: string
  to: string[]
  text: string
  html: string
}

/** What to do with the n-th message (0-based) once its data has arrived. */
export type Verdict = 'accept' | 'reject' | 'drop'

export async function startSmtpServer(
  options: {
    verdict?: (index: number, mail: ReceivedMail) => Verdict
    /** Runs after the message is recorded as received, before the client hears "250": a crash here is the hard case. */
    beforeReply?: (mail: ReceivedMail, index: number) => Promise<void> | void
  } = {},
) {
  const received: ReceivedMail[] = []
  let seen = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const mail = parseMail(
          Buffer.concat(chunks).toString('utf8'),
          session.envelope.rcptTo.map((r) => r.address),
        )
        const index = seen++
        const verdict = options.verdict?.(index, mail) ?? 'accept'
        if (verdict === 'reject') return callback(Object.assign(new Error('try again later'), { responseCode: 451 }))
        if (verdict === 'drop') {
          // The message arrived but the client never hears back: the connection just dies.
          for (const conn of connections()) if (conn.id === session.id) conn._socket.destroy()
          return
        }
        received.push(mail)
        Promise.resolve(options.beforeReply?.(mail, received.length - 1)).then(() => callback(), callback)
      })
    },
  })
  // smtp-server keeps its connections in a private set; reaching in is the only way to cut one.
  const connections = () =>
    (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as { port: number }).port
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const conn of connections()) conn._socket.destroy()
        server.close(() => resolve())
      }),
  }
}

// A small MIME reader: enough for what nodemailer sends (multipart/alternative,
// quoted-printable or base64 bodies, RFC 2047 encoded headers).
export function parseMail(raw: string, to: string[] = []): ReceivedMail {
  const { headers, body } = splitPart(raw)
  const parts: Array<{ type: string; body: string }> = []
  collect(headers, body, parts)
  return {
    raw,
    headers,
    messageId: headers['message-id'] ?? '',
    subject: decodeWords(headers.subject ?? ''),
    to,
    text: parts.find((p) => p.type.startsWith('text/plain'))?.body ?? '',
    html: parts.find((p) => p.type.startsWith('text/html'))?.body ?? '',
  }
}

function splitPart(raw: string) {
  const at = raw.search(/\r?\n\r?\n/)
  const head = at < 0 ? raw : raw.slice(0, at)
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '')
  const headers: Record<string, string> = {}
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { headers, body }
}

function collect(headers: Record<string, string>, body: string, out: Array<{ type: string; body: string }>) {
  const type = headers['content-type'] ?? 'text/plain'
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1]
  if (type.startsWith('multipart/') && boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break
      // The line break before a boundary belongs to the boundary, not to the part.
      const part = splitPart(chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, ''))
      collect(part.headers, part.body, out)
    }
    return
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase()
  let bytes: Buffer
  if (encoding === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64')
  else if (encoding === 'quoted-printable') bytes = decodeQuotedPrintable(body)
  else bytes = Buffer.from(body, 'utf8')
  out.push({ type: type.toLowerCase(), body: bytes.toString('utf8') })
}

function decodeQuotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, '')
  const bytes: number[] = []
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(...Buffer.from(soft[i]!, 'utf8'))
  }
  return Buffer.from(bytes)
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BQbq])\?([^?]*)\?=/g, (_, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')).toString('utf8'),
    )
}

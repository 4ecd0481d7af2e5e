import { describe, expect, it } from 'vitest'
import { newMessageId } from '~/modules/mail/outbox.server'
import { backoffDelay } from '~/modules/mail/worker.server'
import { parseMail } from '../support/smtp'

describe('mail', () => {
  it('Message-IDs are unique, bracketed, and on the public host', () => {
    const ids = Array.from({ length: 500 }, () => newMessageId('https://hope.example.org'))
    for (const id of ids) expect(id).toMatch(/^<[0-9a-f-]{36}@hope\.example\.org>$/)
    expect(new Set(ids).size).toBe(500)
  })

  it('backoff never exceeds the cap plus jitter and never shrinks with attempts', () => {
    let last = 0
    for (let attempt = 1; attempt <= 30; attempt++) {
      const d = backoffDelay(attempt, 30_000, 3_600_000, () => 0.5)
      expect(d).toBeGreaterThanOrEqual(last)
      expect(d).toBeLessThanOrEqual(3_600_000)
      last = d
    }
  })

  it('the test SMTP reader decodes quoted-printable, base64 and encoded-word subjects', () => {
    const raw = [
      'Subject: =?UTF-8?B?5o2Q6LWg5pS25o2u?=',
      'Message-ID: <a@b>',
      'Content-Type: multipart/alternative; boundary="xx"',
      '',
      '--xx',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '=E6=8D=90=E8=B5=A0 HL-2026-000001 =',
      'end',
      '--xx',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('<p>捐赠</p>').toString('base64'),
      '--xx--',
    ].join('\r\n')
    const mail = parseMail(raw)
    expect(mail.subject).toBe('捐赠收据')
    expect(mail.messageId).toBe('<a@b>')
    expect(mail.text).toBe('捐赠 HL-2026-000001 end')
    expect(mail.html).toBe('<p>捐赠</p>')
  })
})

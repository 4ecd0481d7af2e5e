import nodemailer from 'nodemailer'

/** What the worker needs from a mail transport; nodemailer's SMTP transporter fits it. */
export type OutboxTransport = {
  sendMail(mail: {
    from: string
    to: string
    subject: string
    html: string
    text: string
    messageId: string
    headers?: Record<string, string>
  }): Promise<unknown>
  close?: () => void
}

/** SMTP over SMTP_URL. Timeouts stay well under the worker's lease so a hung server cannot outlive it. */
export function createSmtpTransport(url: string, options: { timeoutMs?: number } = {}): OutboxTransport {
  const timeout = options.timeoutMs ?? 30_000
  return nodemailer.createTransport({
    url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as never)
}

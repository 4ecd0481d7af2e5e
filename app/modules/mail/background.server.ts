import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { createSmtpTransport } from './transport.server'
import { runOutboxWorker } from './worker.server'

/**
 * An outbox worker inside the app process, for a server to start next to HTTP when
 * SMTP_URL is set (several processes may each run one: claims never overlap).
 * Returns undefined without SMTP_URL: mail then stays in the outbox for staff to read.
 */
export function startBackgroundMailWorker(
  db: Kysely<Database>,
  env: { SMTP_URL?: string; MAIL_FROM: string },
  log: (line: string) => void = (line) => console.log(`mail: ${line}`),
): { stop: () => Promise<void> } | undefined {
  if (!env.SMTP_URL) return undefined
  const controller = new AbortController()
  const transport = createSmtpTransport(env.SMTP_URL)
  const running = runOutboxWorker(db, { transport, from: env.MAIL_FROM, signal: controller.signal, log }).catch(
    (error: unknown) => {
      log(`worker stopped: ${error instanceof Error ? error.message : String(error)}`)
    },
  )
  return {
    stop: async () => {
      controller.abort()
      await running
      transport.close?.()
    },
  }
}

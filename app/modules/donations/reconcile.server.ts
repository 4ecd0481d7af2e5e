import type { DB } from '~/utils/db.server'
import type { PaymentProvider } from '../payments/provider'
import type { WebhookOutcome } from './outcomes'
import { handleWebhook } from './webhook.server'

/**
 * Fulfil events that never reached the webhook (an outage, a misconfigured endpoint):
 * list the provider's recent events and run each unprocessed one through the same handler.
 */
export async function reconcile(db: DB, provider: PaymentProvider, options: { since: Date; limit?: number }) {
  const events = await provider.listRecentEvents({ since: options.since, limit: options.limit ?? 1000 })
  const result = {
    listed: events.length,
    processed: 0,
    alreadyProcessed: 0,
    outcomes: {} as Partial<Record<WebhookOutcome, number>>,
  }
  // Oldest first, as Stripe would have delivered them.
  for (const event of [...events].sort((a, b) => a.created - b.created)) {
    const outcome = await handleWebhook(db, provider, event)
    if (outcome.outcome === 'duplicate') result.alreadyProcessed++
    else {
      result.processed++
      result.outcomes[outcome.outcome] = (result.outcomes[outcome.outcome] ?? 0) + 1
    }
  }
  return result
}

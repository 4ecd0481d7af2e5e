// npm run payments:reconcile [-- --hours 72] — fulfil Stripe events the webhook missed.
import { reconcile } from '../modules/donations/reconcile.server'
import { getPaymentProvider } from '../modules/payments/index.server'
import { getDb } from '../utils/db.server'

const hoursArg = process.argv.indexOf('--hours')
const hours = hoursArg > 0 ? Number(process.argv[hoursArg + 1]) : 72
if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) {
  console.error('--hours must be a number of hours from 1 to 720 (Stripe keeps events for 30 days)')
  process.exit(2)
}
const db = getDb()
try {
  const result = await reconcile(db, getPaymentProvider(db), { since: new Date(Date.now() - hours * 3_600_000) })
  console.log(
    `listed ${result.listed} events from the last ${hours} h: ${result.processed} processed now, ${result.alreadyProcessed} already processed`,
  )
  for (const [outcome, n] of Object.entries(result.outcomes)) console.log(`  ${outcome}: ${n}`)
} catch (error) {
  console.error(`reconcile failed: ${(error as Error).message}`)
  process.exitCode = 1
} finally {
  await db.destroy()
}

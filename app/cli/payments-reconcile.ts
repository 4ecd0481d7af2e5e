// npm run payments:reconcile [-- --hours 72] — fulfil Stripe events the webhook missed.
// npm run payments:reconcile -- --payouts [--hours 720] — check the Stripe payouts of those hours
// against the books instead (the /admin/finance/reconcile page's logic), listing what is flagged.
import { reconcile, reconcilePayouts } from '../modules/donations/reconcile.server'
import { getPaymentProvider } from '../modules/payments/index.server'
import { getDb } from '../utils/db.server'

const hoursArg = process.argv.indexOf('--hours')
const hours = hoursArg > 0 ? Number(process.argv[hoursArg + 1]) : 72
if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) {
  console.error('--hours must be a number of hours from 1 to 720 (Stripe keeps events for 30 days)')
  process.exit(2)
}
const db = getDb()
const since = new Date(Date.now() - hours * 3_600_000)
try {
  if (process.argv.includes('--payouts')) {
    const r = await reconcilePayouts(db, getPaymentProvider(db), {
      from: since.toISOString(),
      to: new Date().toISOString(),
    })
    if (!r.available) console.log('the payment provider has no payouts (Stripe is not configured)')
    else {
      console.log(`${r.payouts.length} payouts from the last ${hours} h: ${r.flagged} flagged`)
      for (const p of r.payouts)
        for (const i of p.items.filter((x) => x.flag))
          console.log(`  ${p.id} ${i.item.type} ${i.item.source}: ${i.flag}`)
      for (const u of r.notInPayout) console.log(`  ${u.kind} ${u.publicId} ${u.ref ?? ''}: notInPayout`)
      if (r.flagged) process.exitCode = 1
    }
  } else {
    const result = await reconcile(db, getPaymentProvider(db), { since })
    console.log(
      `listed ${result.listed} events from the last ${hours} h: ${result.processed} processed now, ${result.alreadyProcessed} already processed`,
    )
    for (const [outcome, n] of Object.entries(result.outcomes)) console.log(`  ${outcome}: ${n}`)
  }
} catch (error) {
  console.error(`reconcile failed: ${(error as Error).message}`)
  process.exitCode = 1
} finally {
  await db.destroy()
}

// npm run payments:reconcile [-- --hours 72] — fulfil Stripe events the webhook missed.
// npm run payments:reconcile -- --payouts [--hours 720] — check the Stripe payouts of those hours
// against the books instead (the /admin/finance/reconcile page's logic), listing what is flagged.
// npm run payments:reconcile -- --provider wechatpay|alipay --date YYYY-MM-DD — match that China
// day's WeChat Pay or Alipay trade bill line by line against our donations and refunds; exits 1 when
// a line is on one side only or its amounts differ (so a cron job notices), 0 when all match.
import { reconcileTradeBill } from '../modules/donations/bill-reconcile.server'
import { reconcile, reconcilePayouts } from '../modules/donations/reconcile.server'
import { getAlipayProvider } from '../modules/payments/alipay-config.server'
import { getPaymentProvider } from '../modules/payments/index.server'
import { getWechatpayProvider } from '../modules/payments/wechatpay-config.server'
import { isCalendarDay } from '../utils/calendar-day'
import { getDb } from '../utils/db.server'
import { toDecimalString } from '../utils/money'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const provider = arg('--provider') ?? 'stripe'
if (!['stripe', 'wechatpay', 'alipay'].includes(provider)) {
  console.error('--provider must be stripe, wechatpay or alipay')
  process.exit(2)
}

async function stripeEvents(db: ReturnType<typeof getDb>) {
  const hours = Number(arg('--hours') ?? 72)
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) {
    console.error('--hours must be a number of hours from 1 to 720 (Stripe keeps events for 30 days)')
    process.exit(2)
  }
  const since = new Date(Date.now() - hours * 3_600_000)
  if (process.argv.includes('--payouts')) return stripePayouts(db, since, hours)
  const result = await reconcile(db, getPaymentProvider(db), { since })
  console.log(
    `listed ${result.listed} events from the last ${hours} h: ${result.processed} processed now, ${result.alreadyProcessed} already processed`,
  )
  for (const [outcome, n] of Object.entries(result.outcomes)) console.log(`  ${outcome}: ${n}`)
}

async function stripePayouts(db: ReturnType<typeof getDb>, since: Date, hours: number) {
  const r = await reconcilePayouts(db, getPaymentProvider(db), {
    from: since.toISOString(),
    to: new Date().toISOString(),
  })
  if (!r.available) return console.log('the payment provider has no payouts (Stripe is not configured)')
  console.log(`${r.payouts.length} payouts from the last ${hours} h: ${r.flagged} flagged`)
  for (const p of r.payouts)
    for (const i of p.items.filter((x) => x.flag)) console.log(`  ${p.id} ${i.item.type} ${i.item.source}: ${i.flag}`)
  for (const u of r.notInPayout) console.log(`  ${u.kind} ${u.publicId} ${u.ref ?? ''}: notInPayout`)
  if (r.flagged) process.exitCode = 1
}

async function tradeBill(db: ReturnType<typeof getDb>) {
  const date = arg('--date') ?? ''
  if (!isCalendarDay(date)) {
    console.error('--date must be a day such as 2026-12-01 (China time)')
    process.exit(2)
  }
  const bills = provider === 'alipay' ? getAlipayProvider() : getWechatpayProvider()
  if (bills.demo) {
    const key = provider === 'alipay' ? 'ALIPAY_APP_ID' : 'WECHATPAY_MCHID'
    console.error(`the demo ${provider} keeps no trade bill: configure ${key} to reconcile`)
    process.exit(2)
  }
  const r = await reconcileTradeBill(db, bills, date)
  const yuan = (fen: number | null) => (fen === null ? '—' : `¥${toDecimalString(fen, 'CNY')}`)
  console.log(`${provider} bill ${date}: ${r.billLines} lines, ours ${r.ourLines}, ${r.matched} matched`)
  for (const f of r.flags)
    console.log(
      `  ${f.issue} ${f.kind} ${f.outTradeNo} ${f.ref ?? ''} bill ${yuan(f.billAmount)} ours ${yuan(f.ourAmount)}`,
    )
  if (r.flags.length) process.exitCode = 1
}

const db = getDb()
try {
  await (provider === 'stripe' ? stripeEvents(db) : tradeBill(db))
} catch (error) {
  console.error(`reconcile failed: ${(error as Error).message}`)
  process.exitCode = 1
} finally {
  await db.destroy()
}

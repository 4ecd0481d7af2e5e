import type { DB } from '~/utils/db.server'
import { addDays } from '~/utils/calendar-day'
import type { PaymentProviderName } from '../payments/provider'
import type { BillLine } from '../payments/trade-bill'

// Reconciliation against a provider's daily trade bill: every payment and refund on the
// bill is matched line by line with our donations and refunds booked that China day, and
// every line on one side only, or with another amount, is flagged for finance to look at.
// Nothing is written: a gap is a question for a person (a lost notification is booked by
// the unpaid-order sweep or the provider's retries, not from a bill).

export type BillProvider = { name: PaymentProviderName; tradeBill(date: string): Promise<BillLine[]> }

export type BillFlag = {
  issue: 'bill-only' | 'ours-only' | 'amount-differs'
  kind: 'payment' | 'refund'
  outTradeNo: string
  ref: string | null
  billAmount: number | null
  ourAmount: number | null
}

export type BillReconciliation = {
  date: string
  billLines: number
  ourLines: number
  matched: number
  flags: BillFlag[]
}

type OurLine = { kind: 'payment' | 'refund'; outTradeNo: string; ref: string | null; amount: number }

/** The China day [00:00, 24:00) of `date` (YYYY-MM-DD) as ISO instants. */
function chinaDayRange(date: string): [string, string] {
  const start = (d: string) => new Date(`${d}T00:00:00+08:00`).toISOString()
  return [start(date), start(addDays(date, 1))]
}

async function ourLines(db: DB, provider: PaymentProviderName, date: string): Promise<OurLine[]> {
  const [from, to] = chinaDayRange(date)
  const payments = await db
    .selectFrom('donations')
    .select(['public_id', 'amount', 'provider_payment_intent_id'])
    .where('provider', '=', provider)
    .where('paid_at', '>=', from)
    .where('paid_at', '<', to)
    .execute()
  const refunds = await db
    .selectFrom('donation_reversals as r')
    .innerJoin('donations as d', 'd.id', 'r.donation_id')
    .select(['d.public_id', 'r.amount', 'r.provider_ref'])
    .where('d.provider', '=', provider)
    .where('r.kind', '=', 'refund')
    .where('r.occurred_at', '>=', from)
    .where('r.occurred_at', '<', to)
    .execute()
  return [
    ...payments.map((p) => ({
      kind: 'payment' as const,
      outTradeNo: p.public_id,
      ref: p.provider_payment_intent_id,
      amount: p.amount,
    })),
    ...refunds.map((r) => ({
      kind: 'refund' as const,
      outTradeNo: r.public_id,
      ref: r.provider_ref,
      amount: r.amount,
    })),
  ]
}

/** Booked as wechatpay:<out_refund_no> or alipay:<trade_no>:<out_request_no>; the bill names the number alone. */
function sameRefund(ours: string | null, bill: string | null): boolean {
  return !!ours && !!bill && (ours === bill || ours.endsWith(`:${bill}`))
}

export async function reconcileTradeBill(db: DB, provider: BillProvider, date: string): Promise<BillReconciliation> {
  const bill = await provider.tradeBill(date)
  const ours = await ourLines(db, provider.name, date)
  const flags: BillFlag[] = []
  const unmatched = new Set(ours.map((_, i) => i))
  let matched = 0
  for (const line of bill) {
    // A payment is ours by out_trade_no; a refund by our refund number (the bill's 商户退款单号 or
    // 退款请求号, the tail of the key we booked it under), else by order and amount.
    const candidates = [...unmatched].filter(
      (i) => ours[i]!.kind === line.kind && ours[i]!.outTradeNo === line.outTradeNo,
    )
    const i =
      line.kind === 'refund'
        ? (candidates.find((c) => sameRefund(ours[c]!.ref, line.refundNo)) ??
          candidates.find((c) => ours[c]!.amount === line.amount))
        : candidates[0]
    const ref = line.kind === 'refund' ? line.refundNo : line.transactionId
    if (i === undefined) {
      flags.push({
        issue: 'bill-only',
        kind: line.kind,
        outTradeNo: line.outTradeNo,
        ref,
        billAmount: line.amount,
        ourAmount: null,
      })
      continue
    }
    unmatched.delete(i)
    if (ours[i]!.amount !== line.amount)
      flags.push({
        issue: 'amount-differs',
        kind: line.kind,
        outTradeNo: line.outTradeNo,
        ref,
        billAmount: line.amount,
        ourAmount: ours[i]!.amount,
      })
    else matched++
  }
  for (const i of unmatched) {
    const o = ours[i]!
    flags.push({
      issue: 'ours-only',
      kind: o.kind,
      outTradeNo: o.outTradeNo,
      ref: o.ref,
      billAmount: null,
      ourAmount: o.amount,
    })
  }
  return { date, billLines: bill.length, ourLines: ours.length, matched, flags }
}

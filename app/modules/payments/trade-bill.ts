import crypto from 'node:crypto'
import { decimalToMinor } from '~/utils/money'

// A provider's daily trade bill, one line per payment or refund, amounts in fen, for the
// reconciliation against our donations and refunds (app/modules/donations/bill-reconcile.server.ts).

export type BillLine = {
  kind: 'payment' | 'refund'
  /** Our donation's public id (out_trade_no). */
  outTradeNo: string
  /** The provider's transaction id. */
  transactionId: string
  /** Our refund number and the provider's, for a refund line. */
  refundNo: string | null
  amount: number
  currency: 'CNY'
}

export class TradeBillError extends Error {}

/**
 * WeChat Pay's trade bill (交易账单, bill_type ALL): a UTF-8 CSV whose cells each start with a
 * backtick, a header row, one row per trade, then a two-row summary. The file's SHA1 must be
 * the hash_value the bill API signed, or the whole bill is refused.
 */
export function parseTradeBill(body: Buffer, check: { hashType: string; hashValue: string }): BillLine[] {
  if (check.hashType !== 'SHA1') throw new TradeBillError(`unsupported bill hash ${check.hashType}`)
  const digest = crypto.createHash('sha1').update(body).digest('hex')
  if (digest !== check.hashValue.toLowerCase()) throw new TradeBillError('trade bill hash mismatch')
  const rows = body
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
  const header = (rows.shift() ?? '').split(',')
  const at = (name: string) => {
    const i = header.indexOf(name)
    if (i < 0) throw new TradeBillError(`trade bill without the column ${name}`)
    return i
  }
  const col = {
    transaction: at('微信订单号'),
    outTradeNo: at('商户订单号'),
    state: at('交易状态'),
    currency: at('货币种类'),
    settled: at('应结订单金额'),
    refundId: at('微信退款单号'),
    refundNo: at('商户退款单号'),
    refund: at('退款金额'),
  }
  const lines: BillLine[] = []
  for (const row of rows) {
    if (!row.startsWith('`')) break // the summary: 总交易单数,应结订单总金额,…
    // Cells are separated by ",`" (a comma alone may stand inside a description).
    const cells = row.slice(1).split(',`')
    const currency = cells[col.currency]
    if (currency !== 'CNY') throw new TradeBillError(`trade bill line in ${currency}`)
    const refund = cells[col.state] === 'REFUND'
    const amount = decimalToMinor(cells[refund ? col.refund : col.settled] ?? '', 'CNY')
    if (amount === undefined) throw new TradeBillError(`trade bill amount unreadable: ${row}`)
    lines.push({
      kind: refund ? 'refund' : 'payment',
      outTradeNo: cells[col.outTradeNo] ?? '',
      transactionId: cells[col.transaction] ?? '',
      refundNo: refund ? cells[col.refundNo] || cells[col.refundId] || null : null,
      amount,
      currency: 'CNY',
    })
  }
  return lines
}

import { decodeText } from '~/utils/text-encoding'
import { readZip } from '~/utils/zip'
import { decimalToMinor } from '~/utils/money'
import { TradeBillError, type BillLine } from './trade-bill'

// Alipay's daily bill (账单, bill_type trade): a zip holding 业务明细.csv and its summary
// 业务明细(汇总).csv, both GBK. The detail file has '#' comment lines around a header row
// and one row per trade (业务类型 交易) or refund (退款); cells carry trailing tabs. A refund
// row names our out_request_no in 退款批次号/请求号 and its amount, negative, in 商家实收.

/** Cells of one CSV row: commas, double-quoted cells, the padding Alipay leaves trimmed. */
function cellsOf(row: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < row.length; i++) {
    const c = row[i]!
    if (quoted && c === '"' && row[i + 1] === '"') {
      cell += '"'
      i++
    } else if (c === '"') quoted = !quoted
    else if (c === ',' && !quoted) {
      cells.push(cell.trim())
      cell = ''
    } else cell += c
  }
  cells.push(cell.trim())
  return cells
}

export function parseAlipayBill(zip: Buffer): BillLine[] {
  const entries = readZip(zip)
  const detail = entries.find((e) => e.name.endsWith('.csv') && !e.name.includes('汇总'))
  if (!detail) throw new TradeBillError('Alipay bill archive without its 业务明细 file')
  const text = decodeText(detail.data).text
  if (text === null) throw new TradeBillError('Alipay bill neither GBK nor UTF-8')
  const rows = text.split(/\r?\n/).filter((r) => r.trim() !== '' && !r.startsWith('#'))
  const header = cellsOf(rows.shift() ?? '')
  const at = (name: string) => {
    const i = header.findIndex((h) => h.startsWith(name))
    if (i < 0) throw new TradeBillError(`Alipay bill without the column ${name}`)
    return i
  }
  const col = {
    tradeNo: at('支付宝交易号'),
    outTradeNo: at('商户订单号'),
    type: at('业务类型'),
    amount: at('订单金额'),
    received: at('商家实收'),
    refundNo: at('退款批次号/请求号'),
  }
  return rows.map((row) => {
    const cells = cellsOf(row)
    if (cells.length !== header.length) throw new TradeBillError(`Alipay bill row with ${cells.length} cells: ${row}`)
    const type = cells[col.type]
    if (type !== '交易' && type !== '退款') throw new TradeBillError(`Alipay bill row of type ${type}`)
    const refund = type === '退款'
    const amount = decimalToMinor((refund ? cells[col.received] : cells[col.amount])!.replace(/^-/, ''), 'CNY')
    if (amount === undefined) throw new TradeBillError(`Alipay bill amount unreadable: ${row}`)
    return {
      kind: refund ? 'refund' : 'payment',
      outTradeNo: cells[col.outTradeNo]!,
      transactionId: cells[col.tradeNo]!,
      refundNo: refund ? cells[col.refundNo] || null : null,
      amount,
      currency: 'CNY',
    } satisfies BillLine
  })
}

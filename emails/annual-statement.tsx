import { Heading, Link, Text } from './lib/components'
import { capitals, date, money, type EmailLocale } from './lib/format'
import { EmailLayout, styles } from './lib/layout'

export type AnnualStatementProps = {
  locale: EmailLocale
  donorName: string
  year: number
  gifts: Array<{ paidAt: string; receiptNumber: string; campaignTitle: string; amount: number; currency: string }>
  totals: Array<{ amount: number; currency: string }>
  pdfUrl: string | null
}

const copy = {
  'zh-CN': {
    title: (y: number) => `${y} 年度捐赠汇总`,
    body: (n: string, y: number) => `${n}，感谢您在 ${y} 年的每一份捐赠。以下是您当年全部捐赠收据的汇总。`,
    head: ['日期', '收据编号', '用途', '金额'],
    total: '全年合计',
    pdf: '下载 PDF 年度汇总',
    note: '本汇总列出希望账本出具的捐赠收据，每张收据可单独验证。',
  },
  en: {
    title: (y: number) => `Your giving in ${y}`,
    body: (n: string, y: number) =>
      `Thank you, ${n}, for every gift in ${y}. This statement lists all your donation receipts for the year.`,
    head: ['Date', 'Receipt', 'Given to', 'Amount'],
    total: 'Total for the year',
    pdf: 'Download the PDF statement',
    note: 'This statement lists the donation receipts Hope Ledger issued; each can be verified on its own.',
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: AnnualStatementProps): string {
  return p.locale === 'en' ? `Your ${p.year} giving statement` : `${p.year} 年度捐赠汇总`
}

const cell = { ...styles.muted, padding: '6px 6px 6px 0', borderBottom: '1px solid #eee', color: '#333' }

export default function AnnualStatementEmail(props: AnnualStatementProps) {
  const t = copy[props.locale]
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.title(props.year)}</Heading>
      <Text style={styles.p}>{t.body(props.donorName, props.year)}</Text>
      <table
        className="data"
        role="presentation"
        width="100%"
        cellPadding={0}
        cellSpacing={0}
        style={{ margin: '8px 0 16px' }}
      >
        <thead>
          <tr>
            {t.head.map((h) => (
              <th key={h} align="left" style={{ ...cell, fontWeight: 600 }}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.gifts.map((g) => (
            <tr key={g.receiptNumber}>
              <td style={cell}>{date(g.paidAt, props.locale)}</td>
              <td style={cell}>{g.receiptNumber}</td>
              <td style={cell}>{g.campaignTitle}</td>
              <td style={{ ...cell, textAlign: 'right' }}>{money(g.amount, g.currency, props.locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.totals.map((s) => (
        <Text key={s.currency} style={styles.p}>
          <strong>
            {t.total}: {money(s.amount, s.currency, props.locale)}
          </strong>
          {capitals(s.amount, s.currency) ? `（${capitals(s.amount, s.currency)}）` : ''}
        </Text>
      ))}
      {props.pdfUrl ? (
        <Text style={styles.p}>
          <Link href={props.pdfUrl} style={styles.link}>
            {t.pdf}
          </Link>
        </Text>
      ) : null}
      <Text style={styles.muted}>{t.note}</Text>
    </EmailLayout>
  )
}

AnnualStatementEmail.PreviewProps = {
  locale: 'zh-CN',
  donorName: '李明',
  year: 2026,
  gifts: [
    {
      paidAt: '2026-03-08T02:00:00.000Z',
      receiptNumber: 'HL-2026-000012',
      campaignTitle: '学子阳光 助学金',
      amount: 10000,
      currency: 'CNY',
    },
    {
      paidAt: '2026-06-01T02:00:00.000Z',
      receiptNumber: 'HL-2026-000058',
      campaignTitle: '微心愿：冬衣',
      amount: 15000,
      currency: 'CNY',
    },
    {
      paidAt: '2026-11-23T03:14:30.000Z',
      receiptNumber: 'HL-2026-000123',
      campaignTitle: '希望之星 1+1 奖学金 2026',
      amount: 123450,
      currency: 'CNY',
    },
  ],
  totals: [{ amount: 148450, currency: 'CNY' }],
  pdfUrl: null,
} satisfies AnnualStatementProps

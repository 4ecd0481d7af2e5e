import { Heading, Text } from './lib/components'
import { money, month, type EmailLocale } from './lib/format'
import { EmailLayout, styles } from './lib/layout'
import { ReceiptBody, receiptPreview, type ReceiptEmailProps } from './lib/receipt'

export type MonthlyGiftReceiptProps = ReceiptEmailProps

const copy = {
  'zh-CN': {
    title: (m: string) => `月捐收据 · ${m}`,
    thanks: (n: string) => `${n}，感谢您每月的坚持。这是您本月捐赠的收据。`,
    note: '您可以随时在捐赠人中心停止月捐。',
  },
  en: {
    title: (m: string) => `Monthly gift receipt · ${m}`,
    thanks: (n: string) => `Thank you, ${n}, for giving every month. Here is the receipt for this month's gift.`,
    note: 'You can stop your monthly gift at any time from your donor page.',
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: MonthlyGiftReceiptProps): string {
  const amount = money(p.amount, p.currency, p.locale)
  const m = month(p.paidAt, p.locale)
  return p.locale === 'en'
    ? `Monthly gift receipt ${p.receiptNumber} · ${m} · ${amount}`
    : `月捐收据 ${p.receiptNumber} · ${m} · ${amount}`
}

export default function MonthlyGiftReceiptEmail(props: MonthlyGiftReceiptProps) {
  const t = copy[props.locale]
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.title(month(props.paidAt, props.locale))}</Heading>
      <Text style={styles.p}>{t.thanks(props.donorName)}</Text>
      <ReceiptBody {...props} />
      <Text style={styles.muted}>{t.note}</Text>
    </EmailLayout>
  )
}

MonthlyGiftReceiptEmail.PreviewProps = {
  locale: 'zh-CN',
  ...receiptPreview,
  receiptNumber: 'HL-2026-000124',
  amount: 10000,
  campaignTitle: '学子阳光 助学金',
} satisfies MonthlyGiftReceiptProps

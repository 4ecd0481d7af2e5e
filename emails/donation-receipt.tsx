import { Heading, Text } from './lib/components'
import { money, type EmailLocale } from './lib/format'
import { EmailLayout, styles } from './lib/layout'
import { ReceiptBody, receiptPreview, type ReceiptEmailProps } from './lib/receipt'

export type DonationReceiptProps = ReceiptEmailProps

const copy = {
  'zh-CN': { title: '捐赠收据', thanks: (n: string) => `${n}，感谢您的捐赠。以下是您的捐赠收据。` },
  en: { title: 'Donation receipt', thanks: (n: string) => `Thank you, ${n}. Here is the receipt for your gift.` },
} satisfies Record<EmailLocale, unknown>

export function subject(p: DonationReceiptProps): string {
  const amount = money(p.amount, p.currency, p.locale)
  return p.locale === 'en'
    ? `Donation receipt ${p.receiptNumber} · ${amount}`
    : `捐赠收据 ${p.receiptNumber} · ${amount}`
}

export default function DonationReceiptEmail(props: DonationReceiptProps) {
  const t = copy[props.locale]
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.title}</Heading>
      <Text style={styles.p}>{t.thanks(props.donorName)}</Text>
      <ReceiptBody {...props} />
    </EmailLayout>
  )
}

DonationReceiptEmail.PreviewProps = { locale: 'zh-CN', ...receiptPreview } satisfies DonationReceiptProps

import { Heading, Link, Text } from './lib/components'
import { date, money, type EmailLocale } from './lib/format'
import { EmailLayout, Facts, styles } from './lib/layout'

// Sent when a donor stops a monthly gift from the donor page: what stopped, from when, and
// that nothing more will be charged; the gifts already made stay in the public ledger.

export type MonthlyGiftCanceledProps = {
  locale: EmailLocale
  donorName: string
  amount: number
  currency: string
  startedAt: string
  canceledAt: string
  /** Instalments paid before it stopped. */
  paidInstalments: number
  portalUrl: string
}

const copy = {
  'zh-CN': {
    title: '您的月捐已停止',
    body: (n: string, a: string) => `${n}，您好。您每月 ${a} 的捐赠已按您的要求停止，今后不会再扣款。`,
    amount: '每月金额',
    started: '开始日期',
    canceled: '停止日期',
    paid: '已完成的月捐',
    paidCount: (n: number) => `${n} 次`,
    ledger: '您已完成的捐赠及其收据仍保留在捐赠人中心，公开账本继续记录每一笔善款的去向。',
    portal: '打开捐赠人中心',
  },
  en: {
    title: 'Your monthly gift has stopped',
    body: (n: string, a: string) =>
      `Hello ${n}. Your monthly gift of ${a} has stopped as you asked; nothing more will be charged.`,
    amount: 'Monthly amount',
    started: 'Started',
    canceled: 'Stopped',
    paid: 'Monthly gifts made',
    paidCount: (n: number) => String(n),
    ledger:
      'The gifts you made and their receipts stay on your donor page, and the public ledger goes on showing where every yuan went.',
    portal: 'Open your donor page',
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: MonthlyGiftCanceledProps): string {
  const amount = money(p.amount, p.currency, p.locale)
  return p.locale === 'en' ? `Monthly gift of ${amount} stopped` : `月捐已停止 · 每月 ${amount}`
}

export default function MonthlyGiftCanceledEmail(props: MonthlyGiftCanceledProps) {
  const t = copy[props.locale]
  const amount = money(props.amount, props.currency, props.locale)
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.title}</Heading>
      <Text style={styles.p}>{t.body(props.donorName, amount)}</Text>
      <Facts
        rows={[
          [t.amount, amount],
          [t.started, date(props.startedAt, props.locale)],
          [t.canceled, date(props.canceledAt, props.locale)],
          [t.paid, t.paidCount(props.paidInstalments)],
        ]}
      />
      <Text style={styles.muted}>{t.ledger}</Text>
      <Text style={styles.p}>
        <Link href={props.portalUrl} style={styles.link}>
          {t.portal}
        </Link>
      </Text>
    </EmailLayout>
  )
}

MonthlyGiftCanceledEmail.PreviewProps = {
  locale: 'zh-CN',
  donorName: '李明',
  amount: 10000,
  currency: 'CNY',
  startedAt: '2026-09-01T02:00:00.000Z',
  canceledAt: '2026-11-25T08:00:00.000Z',
  paidInstalments: 3,
  portalUrl: 'http://localhost:3000/donor/recurring',
} satisfies MonthlyGiftCanceledProps

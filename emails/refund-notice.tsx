import { Heading, Link, Text } from './lib/components'
import { date, money, type EmailLocale } from './lib/format'
import { EmailLayout, Facts, styles } from './lib/layout'

export type RefundNoticeProps = {
  locale: EmailLocale
  donorName: string
  amount: number
  currency: string
  originalAmount: number
  occurredAt: string
  campaignTitle: string
  /** The receipt voided because of this refund, if any. */
  voidedReceipt: string | null
  /** The receipt that stands now (a reissue for the amount kept, or the unchanged one); null when none does. */
  currentReceipt: string | null
  traceUrl: string
}

const copy = {
  'zh-CN': {
    title: '退款通知',
    body: (n: string, a: string) => `${n}，您好。我们已将 ${a} 退回到您的原支付账户，到账时间以支付机构为准。`,
    amount: '退款金额',
    original: '原捐赠金额',
    for: '捐赠用途',
    when: '退款日期',
    receipt: '有效收据',
    voided: (v: string) => `原收据 ${v} 已作废。`,
    reissued: (v: string, c: string) => `原收据 ${v} 已作废，我们已按保留的金额重新开具收据 ${c}，将另行发送给您。`,
    ledger: '公开账本会记录这笔退款。',
    trace: '查看这笔捐赠的记录',
  },
  en: {
    title: 'Refund notice',
    body: (n: string, a: string) =>
      `Hello ${n}. We have refunded ${a} to the account you paid from; when it arrives depends on your payment provider.`,
    amount: 'Refunded',
    original: 'Original gift',
    for: 'Given to',
    when: 'Date of refund',
    receipt: 'Valid receipt',
    voided: (v: string) => `Receipt ${v} is void.`,
    reissued: (v: string, c: string) =>
      `Receipt ${v} is void; receipt ${c} for the amount kept replaces it and follows in a separate email.`,
    ledger: 'The public ledger records this refund.',
    trace: 'See the record of this gift',
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: RefundNoticeProps): string {
  const amount = money(p.amount, p.currency, p.locale)
  return p.locale === 'en' ? `Refund of ${amount}` : `退款通知 · ${amount}`
}

export default function RefundNoticeEmail(props: RefundNoticeProps) {
  const t = copy[props.locale]
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.title}</Heading>
      <Text style={styles.p}>{t.body(props.donorName, money(props.amount, props.currency, props.locale))}</Text>
      <Facts
        rows={[
          [t.amount, money(props.amount, props.currency, props.locale)],
          [t.original, money(props.originalAmount, props.currency, props.locale)],
          [t.for, props.campaignTitle],
          [t.when, date(props.occurredAt, props.locale)],
          props.currentReceipt ? [t.receipt, props.currentReceipt] : null,
        ]}
      />
      <Text style={styles.muted}>
        {props.voidedReceipt
          ? (props.currentReceipt
              ? t.reissued(props.voidedReceipt, props.currentReceipt)
              : t.voided(props.voidedReceipt)) + ' '
          : ''}
        {t.ledger}
      </Text>
      <Text style={styles.p}>
        <Link href={props.traceUrl} style={styles.link}>
          {t.trace}
        </Link>
      </Text>
    </EmailLayout>
  )
}

RefundNoticeEmail.PreviewProps = {
  locale: 'zh-CN',
  donorName: '李明',
  amount: 5000,
  currency: 'CNY',
  originalAmount: 20000,
  occurredAt: '2026-11-25T08:00:00.000Z',
  campaignTitle: '希望之星 1+1 奖学金 2026',
  voidedReceipt: 'HL-2026-000123',
  currentReceipt: 'HL-2026-000131',
  traceUrl: 'http://localhost:3000/trace/tr_8QmZ3xK2pL',
} satisfies RefundNoticeProps

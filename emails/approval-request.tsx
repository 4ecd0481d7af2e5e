import { Heading, Text } from './lib/components'
import { money, type EmailLocale } from './lib/format'
import { ActionButton, EmailLayout, Facts, styles } from './lib/layout'

// Four eyes: one person prepares a disbursement, another approves it.
export type ApprovalRequestProps = {
  locale: EmailLocale
  preparerName: string
  title: string
  stationName: string
  amount: number
  currency: string
  lineCount: number
  url: string
}

const copy = {
  'zh-CN': {
    heading: '有一项拨付等待您审批',
    body: (n: string) => `${n} 已准备好一项拨付，按“一人经办、一人审批”的规则，需要由您审核后才能发放。`,
    what: '事项',
    station: '工作站',
    amount: '合计金额',
    lines: '明细条数',
    button: '查看并审批',
  },
  en: {
    heading: 'A disbursement is waiting for your approval',
    body: (n: string) =>
      `${n} has prepared a disbursement. One person prepares and another approves, so it needs your review before any money moves.`,
    what: 'What',
    station: 'Station',
    amount: 'Total',
    lines: 'Lines',
    button: 'Review and approve',
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: ApprovalRequestProps): string {
  return p.locale === 'en' ? `Approval needed: ${p.title}` : `待审批：${p.title}`
}

export default function ApprovalRequestEmail(props: ApprovalRequestProps) {
  const t = copy[props.locale]
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.heading}</Heading>
      <Text style={styles.p}>{t.body(props.preparerName)}</Text>
      <Facts
        rows={[
          [t.what, props.title],
          [t.station, props.stationName],
          [t.amount, money(props.amount, props.currency, props.locale)],
          [t.lines, String(props.lineCount)],
        ]}
      />
      <ActionButton url={props.url} label={t.button} />
    </EmailLayout>
  )
}

ApprovalRequestEmail.PreviewProps = {
  locale: 'zh-CN',
  preparerName: '赵磊',
  title: '2026 秋季学期 希望之星 1+1 奖学金',
  stationName: '镇雄县希望工程工作站',
  amount: 1200000,
  currency: 'CNY',
  lineCount: 12,
  url: 'http://localhost:3000/admin/disbursements/17',
} satisfies ApprovalRequestProps

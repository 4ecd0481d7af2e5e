import { Heading, Text } from './lib/components'
import { money, type EmailLocale } from './lib/format'
import { ActionButton, EmailLayout, styles } from './lib/layout'

// Students appear only as pseudonym, county, grade and programme: never a name,
// school or photo (they are minors; see the privacy rules in DESIGN.md).

export type TraceShare = {
  pseudonym: string
  county: string
  grade: string
  programme: string
  amount: number
  currency: string
  status: 'awarded' | 'paid'
}

export type GiftReachedStudentProps = {
  locale: EmailLocale
  donorName: string
  amount: number
  currency: string
  campaignTitle: string
  traceUrl: string
  shares: TraceShare[]
  heldAmount: number
}

const copy = {
  'zh-CN': {
    title: '您的善款已经到达学生手中',
    body: (n: string, a: string, c: string) => `${n}，您好。您为“${c}”捐赠的 ${a}，已经按公开规则分配给下面的学生：`,
    head: ['学生（化名编号）', '县', '年级', '项目', '金额', '状态'],
    status: { awarded: '已核定', paid: '已发放' },
    held: (a: string) => `尚有 ${a} 留在基金中，等待下一次分配。`,
    trace: '查看完整去向',
  },
  en: {
    title: 'Your gift has reached a student',
    body: (n: string, a: string, c: string) =>
      `Hello ${n}. Your gift of ${a} to “${c}” has gone, by the published rule, to these students:`,
    head: ['Student (pseudonym)', 'County', 'Grade', 'Programme', 'Amount', 'Status'],
    status: { awarded: 'awarded', paid: 'paid out' },
    held: (a: string) => `${a} is still held in the fund for the next award.`,
    trace: 'See the full trace',
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: GiftReachedStudentProps): string {
  return p.locale === 'en' ? 'Your gift has reached a student' : '您的善款已经到达学生手中'
}

const cell = { ...styles.muted, padding: '6px 6px 6px 0', borderBottom: '1px solid #eee', color: '#333' }

export default function GiftReachedStudentEmail(props: GiftReachedStudentProps) {
  const t = copy[props.locale]
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.title}</Heading>
      <Text style={styles.p}>
        {t.body(props.donorName, money(props.amount, props.currency, props.locale), props.campaignTitle)}
      </Text>
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
          {props.shares.map((s, i) => (
            <tr key={`${s.pseudonym}-${i}`}>
              <td style={cell}>{s.pseudonym}</td>
              <td style={cell}>{s.county}</td>
              <td style={cell}>{s.grade}</td>
              <td style={cell}>{s.programme}</td>
              <td style={{ ...cell, textAlign: 'right' }}>{money(s.amount, s.currency, props.locale)}</td>
              <td style={cell}>{t.status[s.status]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.heldAmount > 0 ? (
        <Text style={styles.p}>{t.held(money(props.heldAmount, props.currency, props.locale))}</Text>
      ) : null}
      <ActionButton url={props.traceUrl} label={t.trace} />
    </EmailLayout>
  )
}

GiftReachedStudentEmail.PreviewProps = {
  locale: 'zh-CN',
  donorName: '李明',
  amount: 123450,
  currency: 'CNY',
  campaignTitle: '希望之星 1+1 奖学金 2026',
  traceUrl: 'http://localhost:3000/trace/tr_8QmZ3xK2pL',
  shares: [
    {
      pseudonym: 'HP-530627-0042',
      county: '镇雄县',
      grade: '初二',
      programme: '希望之星 1+1 奖学金',
      amount: 100000,
      currency: 'CNY',
      status: 'paid',
    },
    {
      pseudonym: 'HP-530326-0007',
      county: '会泽县',
      grade: '五年级',
      programme: '希望之星 1+1 奖学金',
      amount: 20000,
      currency: 'CNY',
      status: 'awarded',
    },
  ],
  heldAmount: 3450,
} satisfies GiftReachedStudentProps

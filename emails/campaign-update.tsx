import { Heading, Link, Text } from './lib/components'
import type { EmailLocale } from './lib/format'
import { ActionButton, EmailLayout, styles } from './lib/layout'

// A progress update (执行反馈) on a campaign the donor gave to, after a second staff
// member approved it. Text only. Every one carries its own one-click unsubscribe link,
// which opens a confirmation page (a GET there changes nothing).
export type CampaignUpdateProps = {
  locale: EmailLocale
  donorName: string
  campaignTitle: string
  title: string
  body: string
  campaignUrl: string
  unsubscribeUrl: string
}

const copy = {
  'zh-CN': {
    subject: (c: string, t: string) => `${c}：${t}`,
    intro: (c: string) => `感谢您支持「${c}」。以下是项目的最新执行反馈：`,
    button: '查看项目页面',
    unsubscribe: '不想再收到项目进展邮件？',
    unsubscribeLink: '一键退订',
    note: '退订后，捐赠收据和“您的善款已送到学生手中”的通知仍会照常发送。',
  },
  en: {
    subject: (c: string, t: string) => `${c}: ${t}`,
    intro: (c: string) => `Thank you for supporting “${c}”. Here is the latest progress update:`,
    button: 'See the campaign page',
    unsubscribe: 'No more progress updates?',
    unsubscribeLink: 'Unsubscribe in one click',
    note: 'Receipts and the “your gift reached a student” notice still come after you unsubscribe.',
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: CampaignUpdateProps): string {
  return copy[p.locale].subject(p.campaignTitle, p.title)
}

export default function CampaignUpdateEmail(props: CampaignUpdateProps) {
  const t = copy[props.locale]
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{props.title}</Heading>
      <Text style={styles.p}>{props.donorName}</Text>
      <Text style={styles.p}>{t.intro(props.campaignTitle)}</Text>
      {props.body.split(/\n{2,}/).map((para, i) => (
        <Text key={i} style={{ ...styles.p, whiteSpace: 'pre-line' }}>
          {para}
        </Text>
      ))}
      <ActionButton url={props.campaignUrl} label={t.button} showUrl={false} />
      <Text style={styles.p}>
        {t.unsubscribe} <Link href={props.unsubscribeUrl}>{t.unsubscribeLink}</Link>
      </Text>
      <Text style={styles.p}>{t.note}</Text>
    </EmailLayout>
  )
}

CampaignUpdateEmail.PreviewProps = {
  locale: 'zh-CN',
  donorName: '李明',
  campaignTitle: '镇雄县 2026 春季助学',
  title: '第一批助学金已发放',
  body: '3 月 12 日，镇雄县 48 名学生领到了本学期的助学金。\n\n下一批将在 4 月发放，我们会继续向您报告。',
  campaignUrl: 'http://localhost:3000/campaigns/zhenxiong-2026-spring',
  unsubscribeUrl: 'http://localhost:3000/updates/unsubscribe/preview-token',
} satisfies CampaignUpdateProps

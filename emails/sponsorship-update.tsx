import { Heading, Text } from './lib/components'
import type { EmailLocale } from './lib/format'
import { ActionButton, EmailLayout, styles } from './lib/layout'

// A 1+1 sponsor is sent the link to their own page when the sponsorship starts (its first
// gift is paid), and told when it pauses (the student graduated or left the programme)
// and when staff move it to another student. Pseudonyms only.
export type SponsorshipUpdateProps = {
  locale: EmailLocale
  donorName: string
  kind: 'started' | 'paused' | 'moved'
  pseudonym: string
  reason: 'graduated' | 'exited' | 'other'
  newPseudonym: string | null
  url: string
}

const copy = {
  'zh-CN': {
    title: { started: '您的结对资助已开始', paused: '您的结对资助已暂停', moved: '您的结对资助已转给另一位学生' },
    started: (p: string) =>
      `感谢您结对资助学生 ${p}。下面是您专属的结对资助页面：可随时查看善款去向、与学生（经工作人员转交）通信。这个链接只属于您，请妥善保存，不要转发。`,
    paused: (p: string, r: string) =>
      `您资助的学生 ${p} ${r}。按照公开规则，结对资助已暂停，尚未使用的善款仍保留在您的资助基金中，不会挪作他用。工作人员会为您推荐另一位学生。`,
    moved: (p: string, n: string) =>
      `您原先资助的学生 ${p} 已结束资助。按照公开规则，您的结对资助和基金中尚未使用的善款已转给学生 ${n}。`,
    reason: { graduated: '已顺利毕业', exited: '已离开资助项目', other: '的情况发生了变化' },
    button: '查看我的结对资助',
  },
  en: {
    title: {
      started: 'Your sponsorship has started',
      paused: 'Your sponsorship is paused',
      moved: 'Your sponsorship has moved to another student',
    },
    started: (p: string) =>
      `Thank you for sponsoring student ${p}. Below is your own sponsorship page: follow where the money goes and exchange letters (passed on by our staff). The link is yours alone; keep it and do not forward it.`,
    paused: (p: string, r: string) =>
      `The student you sponsor, ${p}, ${r}. By the published rule your sponsorship is paused; money not yet used stays in your sponsorship fund and is never used for anything else. Our staff will suggest another student.`,
    moved: (p: string, n: string) =>
      `Your sponsorship of ${p} has ended. By the published rule, your sponsorship and the money not yet used in its fund now go to student ${n}.`,
    reason: { graduated: 'has graduated', exited: 'has left the programme', other: 'is no longer in the programme' },
    button: 'See my sponsorship',
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: SponsorshipUpdateProps): string {
  return copy[p.locale].title[p.kind]
}

export default function SponsorshipUpdateEmail(props: SponsorshipUpdateProps) {
  const t = copy[props.locale]
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.title[props.kind]}</Heading>
      <Text style={styles.p}>{props.donorName}</Text>
      <Text style={styles.p}>
        {props.kind === 'started'
          ? t.started(props.pseudonym)
          : props.kind === 'moved'
            ? t.moved(props.pseudonym, props.newPseudonym ?? '')
            : t.paused(props.pseudonym, t.reason[props.reason])}
      </Text>
      <ActionButton url={props.url} label={t.button} showUrl={props.kind === 'started'} />
    </EmailLayout>
  )
}

SponsorshipUpdateEmail.PreviewProps = {
  locale: 'zh-CN',
  donorName: '李明',
  kind: 'paused',
  pseudonym: 'HP-530627-0042',
  reason: 'graduated',
  newPseudonym: null,
  url: 'http://localhost:3000/sponsor/s_preview',
} satisfies SponsorshipUpdateProps

import { Heading, Text } from './lib/components'
import { date, type EmailLocale } from './lib/format'
import { ActionButton, EmailLayout, Facts, styles } from './lib/layout'
import { orgName, useOrg } from './lib/org'

export type StaffInvitationProps = {
  locale: EmailLocale
  inviterName: string
  role: string
  stationName: string
  url: string
  expiresAt: string
}

const copy = {
  'zh-CN': {
    title: '邀请您加入希望账本',
    body: (n: string, org: string) => `${n} 邀请您以${org}工作人员的身份使用希望账本。`,
    role: '角色',
    station: '所属工作站',
    expires: '邀请有效期至',
    button: '接受邀请并设置密码',
    note: '您只能查看和处理所属工作站及其下级工作站的数据；受助学生的个人信息受法律保护，每次查看都会记入审计日志。',
  },
  en: {
    title: 'You are invited to Hope Ledger',
    body: (n: string, org: string) => `${n} has invited you to work in Hope Ledger as staff of ${org}.`,
    role: 'Role',
    station: 'Station',
    expires: 'Invitation valid until',
    button: 'Accept and set a password',
    note: "You will see and act on your station's subtree only. Students' personal data is protected by law, and every read of it is written to the audit log.",
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: StaffInvitationProps): string {
  return p.locale === 'en' ? `${p.inviterName} invited you to Hope Ledger` : `${p.inviterName} 邀请您加入希望账本`
}

export default function StaffInvitationEmail(props: StaffInvitationProps) {
  const t = copy[props.locale]
  const org = orgName(useOrg(), props.locale)
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.title}</Heading>
      <Text style={styles.p}>{t.body(props.inviterName, org)}</Text>
      <Facts
        rows={[
          [t.role, props.role],
          [t.station, props.stationName],
          [t.expires, date(props.expiresAt, props.locale)],
        ]}
      />
      <ActionButton url={props.url} label={t.button} />
      <Text style={styles.muted}>{t.note}</Text>
    </EmailLayout>
  )
}

StaffInvitationEmail.PreviewProps = {
  locale: 'zh-CN',
  inviterName: '王芳',
  role: '个案工作者 caseworker',
  stationName: '镇雄县希望工程工作站',
  url: 'http://localhost:3000/admin/invitations/preview-token-not-real',
  expiresAt: '2026-11-30T03:00:00.000Z',
} satisfies StaffInvitationProps

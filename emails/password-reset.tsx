import { Heading, Text } from './lib/components'
import type { EmailLocale } from './lib/format'
import { ActionButton, EmailLayout, styles } from './lib/layout'

export type PasswordResetProps = {
  locale: EmailLocale
  url: string
  expiresInMinutes: number
  /** true when an administrator asked for it (the old password no longer works). */
  forced: boolean
}

const copy = {
  'zh-CN': {
    title: '重设希望账本密码',
    asked: '有人（希望是您本人）请求重设您的工作人员账号密码。',
    forced: '管理员已为您的工作人员账号重设密码，原密码已失效。请设置新密码。',
    body: (m: number) =>
      `点击下面的按钮设置新密码。链接只能使用一次，${m} 分钟后失效。如已启用两步验证，登录时仍需输入验证码。`,
    button: '设置新密码',
    ignore: '如果不是您本人请求，请忽略这封邮件，您的密码不会改变。',
  },
  en: {
    title: 'Reset your Hope Ledger password',
    asked: 'Someone (we hope you) asked to reset the password of your staff account.',
    forced:
      'An administrator has reset the password of your staff account; the old one no longer works. Please set a new one.',
    body: (m: number) =>
      `Use the button below to set a new password. The link works once and expires in ${m} minutes. With two-step verification on, signing in still needs your code.`,
    button: 'Set a new password',
    ignore: 'If you did not ask for this, ignore this email; your password stays as it is.',
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: PasswordResetProps): string {
  return p.locale === 'en' ? 'Reset your Hope Ledger password' : '重设希望账本密码'
}

export default function PasswordResetEmail(props: PasswordResetProps) {
  const t = copy[props.locale]
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.title}</Heading>
      <Text style={styles.p}>{props.forced ? t.forced : t.asked}</Text>
      <Text style={styles.p}>{t.body(props.expiresInMinutes)}</Text>
      <ActionButton url={props.url} label={t.button} />
      {props.forced ? null : <Text style={styles.muted}>{t.ignore}</Text>}
    </EmailLayout>
  )
}

PasswordResetEmail.PreviewProps = {
  locale: 'zh-CN',
  url: 'http://localhost:3000/login/reset/preview-token-not-real',
  expiresInMinutes: 30,
  forced: false,
} satisfies PasswordResetProps

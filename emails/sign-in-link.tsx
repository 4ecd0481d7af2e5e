import { Heading, Text } from './lib/components'
import type { EmailLocale } from './lib/format'
import { ActionButton, EmailLayout, styles } from './lib/layout'

export type SignInLinkProps = { locale: EmailLocale; url: string; expiresInMinutes: number }

const copy = {
  'zh-CN': {
    title: '登录希望账本捐赠人中心',
    body: (m: number) => `点击下面的按钮登录。链接只能使用一次，${m} 分钟后失效。`,
    button: '登录',
    ignore: '如果不是您本人操作，请忽略这封邮件，您的账户不会有任何变化。',
  },
  en: {
    title: 'Sign in to your Hope Ledger donor page',
    body: (m: number) => `Use the button below to sign in. The link works once and expires in ${m} minutes.`,
    button: 'Sign in',
    ignore: 'If you did not ask for this, ignore this email; nothing changes on your account.',
  },
} satisfies Record<EmailLocale, unknown>

export function subject(p: SignInLinkProps): string {
  return p.locale === 'en' ? 'Your Hope Ledger sign-in link' : '希望账本登录链接'
}

export default function SignInLinkEmail(props: SignInLinkProps) {
  const t = copy[props.locale]
  return (
    <EmailLayout locale={props.locale} preview={subject(props)}>
      <Heading style={styles.h1}>{t.title}</Heading>
      <Text style={styles.p}>{t.body(props.expiresInMinutes)}</Text>
      <ActionButton url={props.url} label={t.button} />
      <Text style={styles.muted}>{t.ignore}</Text>
    </EmailLayout>
  )
}

SignInLinkEmail.PreviewProps = {
  locale: 'zh-CN',
  url: 'http://localhost:3000/donor/signin/preview-token-not-real',
  expiresInMinutes: 30,
} satisfies SignInLinkProps

import { Body, Button, Container, Head, Hr, Html, Preview, Section, Text } from './components'
import type { ReactNode } from 'react'
import type { EmailLocale } from './format'
import { orgName, useOrg } from './org'

// The frame every email shares: brand line, one column, a footer saying who sent it.
// Inline styles only: mail clients drop <style> blocks and external CSS.

export const styles = {
  body: {
    backgroundColor: '#f6f5f1',
    fontFamily: '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",Helvetica,Arial,sans-serif',
    margin: 0,
  },
  container: {
    backgroundColor: '#ffffff',
    margin: '24px auto',
    maxWidth: '560px',
    padding: '28px 32px',
    borderRadius: '8px',
  },
  brand: { color: '#b4232a', fontSize: '14px', fontWeight: 700, letterSpacing: '0.05em', margin: '0 0 16px' },
  h1: { color: '#1d1d1f', fontSize: '22px', lineHeight: '30px', margin: '0 0 16px' },
  p: { color: '#333333', fontSize: '15px', lineHeight: '24px', margin: '0 0 12px' },
  muted: { color: '#6b6b6b', fontSize: '13px', lineHeight: '20px', margin: '0 0 8px' },
  label: {
    color: '#6b6b6b',
    fontSize: '13px',
    margin: '0',
    width: '38%',
    verticalAlign: 'top' as const,
    padding: '4px 8px 4px 0',
  },
  value: { color: '#1d1d1f', fontSize: '15px', margin: '0', padding: '4px 0', fontWeight: 600 },
  button: {
    backgroundColor: '#b4232a',
    borderRadius: '6px',
    color: '#ffffff',
    display: 'inline-block',
    fontSize: '15px',
    padding: '10px 18px',
    textDecoration: 'none',
  },
  link: { color: '#b4232a' },
  hr: { borderColor: '#e6e3dc', margin: '20px 0' },
}

const footer: Record<EmailLocale, string> = {
  'zh-CN': '希望账本 · 每一元善款，都能追踪到它帮助的孩子。受助学生仅以化名编号出现。',
  en: 'Hope Ledger · every donated yuan, followed to the child it helps. Students appear only under pseudonymous codes.',
}

const contactLabels = {
  'zh-CN': { credit: '统一社会信用代码', certificate: '公开募捐资格证书', phone: '电话', email: '邮箱' },
  en: {
    credit: 'Unified social credit code',
    certificate: 'Public fundraising certificate',
    phone: 'Phone',
    email: 'Email',
  },
} satisfies Record<EmailLocale, unknown>

/** Who sent this: the organisation's name, registration and contact, from its settings. */
function Sender({ locale }: { locale: EmailLocale }) {
  const org = useOrg()
  if (!org || !orgName(org, locale)) return null
  const l = contactLabels[locale]
  const address = locale === 'en' ? org.addressEn || org.address : org.address
  const parts = [
    org.creditCode && `${l.credit} ${org.creditCode}`,
    org.fundraisingCertificate && `${l.certificate} ${org.fundraisingCertificate}`,
    org.phone && `${l.phone} ${org.phone}`,
    org.email && `${l.email} ${org.email}`,
    address,
  ].filter(Boolean)
  return (
    <>
      <Text style={{ ...styles.muted, fontWeight: 600 }}>{orgName(org, locale)}</Text>
      {parts.length ? <Text style={styles.muted}>{parts.join(' · ')}</Text> : null}
    </>
  )
}

function Brand({ locale }: { locale: EmailLocale }) {
  const org = useOrg()
  const name = org ? orgName(org, locale) : ''
  return <Text style={styles.brand}>{name || (locale === 'en' ? 'Hope Ledger 希望账本' : '希望账本 Hope Ledger')}</Text>
}

export function EmailLayout({
  locale,
  preview,
  children,
}: {
  locale: EmailLocale
  preview: string
  children: ReactNode
}) {
  return (
    <Html lang={locale}>
      <Head />
      <Preview>{preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Brand locale={locale} />
          {children}
          <Hr style={styles.hr} />
          <Section>
            <Sender locale={locale} />
            <Text style={styles.muted}>{footer[locale]}</Text>
          </Section>
        </Container>
      </Body>
    </Html>
  )
}

/** A two-column fact table that html-to-text turns into "label value" lines. */
export function Facts({ rows }: { rows: Array<[string, ReactNode] | null | false> }) {
  return (
    <table
      className="data"
      role="presentation"
      width="100%"
      cellPadding={0}
      cellSpacing={0}
      style={{ margin: '8px 0 16px' }}
    >
      <tbody>
        {rows
          .filter((r): r is [string, ReactNode] => Boolean(r))
          .map(([label, value]) => (
            <tr key={label}>
              <td style={styles.label}>{label}</td>
              <td style={styles.value}>{value}</td>
            </tr>
          ))}
      </tbody>
    </table>
  )
}

/** The call to action: a button, and the URL written out for clients that drop buttons. */
export function ActionButton({ url, label, showUrl = true }: { url: string; label: string; showUrl?: boolean }) {
  return (
    <>
      <Section style={{ margin: '8px 0 16px' }}>
        <Button href={url} style={styles.button}>
          {label}
        </Button>
      </Section>
      {showUrl ? <Text style={styles.muted}>{url}</Text> : null}
    </>
  )
}

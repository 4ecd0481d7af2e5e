import { Button, Link, Section, Text } from './components'
import { capitals, date, money, type EmailLocale } from './format'
import { Facts, styles } from './layout'
import { orgName, useOrg } from './org'

// The body shared by the one-off and the monthly receipt. Our own document is a
// 捐赠收据 / donation receipt; the official finance-bureau receipt is named only
// when staff have attached its code and number.

export type ReceiptEmailProps = {
  locale: EmailLocale
  receiptNumber: string
  verificationCode: string
  issuedAt: string
  paidAt: string
  donorName: string
  amount: number
  currency: string
  campaignTitle: string
  /** A sponsor's match of this gift, worded: the sponsor's gift, not part of the amount. */
  matchNote?: string | null
  traceUrl: string
  verifyUrl: string
  pdfUrl: string
  official: { code: string; number: string } | null
}

const copy = {
  'zh-CN': {
    number: '收据编号',
    donor: '捐赠人',
    amount: '金额',
    capitals: '人民币（大写）',
    for: '捐赠用途',
    paid: '捐赠日期',
    issued: '开具日期',
    code: '验证码',
    trace: '查看善款去向',
    traceNote: '我们会按公开的“先进先出”规则把您的善款分配给受助学生，您可以随时通过下面的链接查看它到了哪里：',
    pdf: '下载 PDF 收据',
    verify: '验证这张收据',
    own: (org: string) => `这是${org}为您出具的捐赠收据，用于确认我们已收到您的捐赠。`,
    official: (c: string, n: string) => `本笔捐赠已开具公益事业捐赠票据：票据代码 ${c}，票据号码 ${n}。`,
  },
  en: {
    number: 'Receipt number',
    donor: 'Donor',
    amount: 'Amount',
    capitals: 'Amount in Chinese capitals',
    for: 'Given to',
    paid: 'Date of gift',
    issued: 'Issued',
    code: 'Verification code',
    trace: 'See where your gift goes',
    traceNote: 'Your gift reaches students by a published first-in, first-out rule. Follow it at any time here:',
    pdf: 'Download the PDF receipt',
    verify: 'Verify this receipt',
    own: (org: string) => `This donation receipt from ${org} confirms that we received your gift.`,
    official: (c: string, n: string) =>
      `An official charitable donation receipt (公益事业捐赠票据) has been issued for this gift: code ${c}, number ${n}.`,
  },
} satisfies Record<EmailLocale, unknown>

export function ReceiptBody(props: ReceiptEmailProps) {
  const t = copy[props.locale]
  const org = useOrg()
  // The organisation's own wording when it set one; ours, naming it, otherwise.
  const wording =
    (props.locale === 'en' ? org?.receiptWordingEn || org?.receiptWording : org?.receiptWording) ||
    t.own(orgName(org, props.locale))
  const big = capitals(props.amount, props.currency)
  return (
    <>
      <Facts
        rows={[
          [t.number, props.receiptNumber],
          [t.donor, props.donorName],
          [t.amount, money(props.amount, props.currency, props.locale)],
          big ? [t.capitals, big] : null,
          [t.for, props.campaignTitle],
          [t.paid, date(props.paidAt, props.locale)],
          [t.issued, date(props.issuedAt, props.locale)],
          [t.code, props.verificationCode],
        ]}
      />
      {props.matchNote ? <Text style={styles.p}>{props.matchNote}</Text> : null}
      <Text style={styles.p}>{t.traceNote}</Text>
      <Section style={{ margin: '0 0 16px' }}>
        <Button href={props.traceUrl} style={styles.button}>
          {t.trace}
        </Button>
      </Section>
      <Text style={styles.p}>
        <Link href={props.traceUrl} style={styles.link}>
          {props.traceUrl}
        </Link>
      </Text>
      <Text style={styles.p}>
        <Link href={props.pdfUrl} style={styles.link}>
          {t.pdf}
        </Link>
        {' · '}
        <Link href={props.verifyUrl} style={styles.link}>
          {t.verify}
        </Link>
      </Text>
      <Text style={styles.muted}>
        {props.official ? t.official(props.official.code, props.official.number) : wording}
      </Text>
      {org?.receiptSignature ? <Text style={styles.p}>{org.receiptSignature}</Text> : null}
    </>
  )
}

export const receiptPreview: Omit<ReceiptEmailProps, 'locale'> = {
  receiptNumber: 'HL-2026-000123',
  verificationCode: 'K7P2-M9QX-4T',
  issuedAt: '2026-11-23T03:15:00.000Z',
  paidAt: '2026-11-23T03:14:30.000Z',
  donorName: '李明',
  amount: 123450,
  currency: 'CNY',
  campaignTitle: '希望之星 1+1 奖学金 2026',
  traceUrl: 'http://localhost:3000/trace/tr_8QmZ3xK2pL',
  verifyUrl: 'http://localhost:3000/receipts/verify?number=HL-2026-000123&code=K7P2-M9QX-4T',
  pdfUrl: 'http://localhost:3000/receipts/HL-2026-000123.pdf?code=K7P2-M9QX-4T',
  official: null,
}

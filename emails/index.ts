// Every template by name, with its subject line. The outbox stores a template
// name, a locale and JSON props; rendering happens when a mail is sent or viewed.
import { createElement, type ComponentProps, type ReactElement } from 'react'
import { plainTextSelectors, toPlainText } from '@react-email/render'
import { renderToStaticMarkup } from 'react-dom/server'
import AnnualStatementEmail, { subject as annualStatementSubject } from './annual-statement'
import ApprovalRequestEmail, { subject as approvalRequestSubject } from './approval-request'
import CampaignUpdateEmail, { subject as campaignUpdateSubject } from './campaign-update'
import DonationReceiptEmail, { subject as donationReceiptSubject } from './donation-receipt'
import GiftReachedStudentEmail, { subject as giftReachedStudentSubject } from './gift-reached-student'
import type { EmailLocale } from './lib/format'
import { OrgContext, type EmailOrg } from './lib/org'
import MonthlyGiftCanceledEmail, { subject as monthlyGiftCanceledSubject } from './monthly-gift-canceled'
import MonthlyGiftReceiptEmail, { subject as monthlyGiftReceiptSubject } from './monthly-gift-receipt'
import PasswordResetEmail, { subject as passwordResetSubject } from './password-reset'
import RefundNoticeEmail, { subject as refundNoticeSubject } from './refund-notice'
import SignInLinkEmail, { subject as signInLinkSubject } from './sign-in-link'
import StaffInvitationEmail, { subject as staffInvitationSubject } from './staff-invitation'
import SponsorshipUpdateEmail, { subject as sponsorshipUpdateSubject } from './sponsorship-update'

export type { EmailLocale } from './lib/format'

function entry<P extends { locale: EmailLocale }>(
  component: ((props: P) => ReactElement) & { PreviewProps: NoInfer<P> },
  subject: (props: NoInfer<P>) => string,
) {
  return { component, subject }
}

export const templates = {
  'donation-receipt': entry(DonationReceiptEmail, donationReceiptSubject),
  'monthly-gift-receipt': entry(MonthlyGiftReceiptEmail, monthlyGiftReceiptSubject),
  'refund-notice': entry(RefundNoticeEmail, refundNoticeSubject),
  'monthly-gift-canceled': entry(MonthlyGiftCanceledEmail, monthlyGiftCanceledSubject),
  'annual-statement': entry(AnnualStatementEmail, annualStatementSubject),
  'gift-reached-student': entry(GiftReachedStudentEmail, giftReachedStudentSubject),
  'sign-in-link': entry(SignInLinkEmail, signInLinkSubject),
  'staff-invitation': entry(StaffInvitationEmail, staffInvitationSubject),
  'approval-request': entry(ApprovalRequestEmail, approvalRequestSubject),
  'sponsorship-update': entry(SponsorshipUpdateEmail, sponsorshipUpdateSubject),
  'password-reset': entry(PasswordResetEmail, passwordResetSubject),
  'campaign-update': entry(CampaignUpdateEmail, campaignUpdateSubject),
}

export type TemplateName = keyof typeof templates
export const templateNames = Object.keys(templates) as TemplateName[]

/** The props a template needs, without the locale (the outbox row carries that). */
export type EmailProps<T extends TemplateName> = Omit<ComponentProps<(typeof templates)[T]['component']>, 'locale'>

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(templates, name)
}

const DOCTYPE =
  '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'

export type RenderedEmail = { subject: string; html: string; text: string }

export async function renderEmail<T extends TemplateName>(
  template: T,
  locale: EmailLocale,
  /** org: the sender's particulars, as queueEmail copied them into the outbox row. */
  props: EmailProps<T> & { org?: EmailOrg | null },
): Promise<RenderedEmail> {
  // The registry is keyed by name, so each entry's component matches its props; TS cannot see that through the union.
  const { component: Component, subject } = templates[template] as unknown as {
    component: (p: EmailProps<T> & { locale: EmailLocale }) => ReactElement
    subject: (p: EmailProps<T> & { locale: EmailLocale }) => string
  }
  const { org = null, ...rest } = props
  const full = { ...(rest as unknown as EmailProps<T>), locale }
  // renderToStaticMarkup rather than @react-email/render's render(): with React 18 the
  // latter streams through renderToReadableStream, which corrupts multi-byte characters
  // that straddle its 512-byte chunks (NUL bytes in the middle of Chinese text).
  const html =
    DOCTYPE + renderToStaticMarkup(createElement(OrgContext.Provider, { value: org }, createElement(Component, full)))
  return { subject: subject(full), html, text: toPlainText(html, { selectors: TEXT_SELECTORS }) }
}

// Fact tables read as "label: value" lines and data tables as rows in the text version.
const TEXT_SELECTORS = [
  ...plainTextSelectors,
  { selector: 'table.data', format: 'dataTable', options: { uppercaseHeaderCells: false, maxColumnWidth: 40 } },
]

/** Preview props of a template, in either locale. */
export function previewProps<T extends TemplateName>(template: T): EmailProps<T> {
  const { locale: _locale, ...rest } = templates[template].component.PreviewProps as { locale: EmailLocale }
  return rest as EmailProps<T>
}

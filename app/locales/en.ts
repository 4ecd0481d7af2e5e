import { storyEn } from './story.en'
import { pickerEn } from './picker.en'
import { refundsEn } from './refunds.en'
import type { Messages } from '../utils/i18n'
import { consoleEn } from './console.en'
import { accountsEn } from './accounts.en'
import { financeEn } from './finance.en'
import { deskEn } from './desk.en'
import { givingEn } from './giving.en'
import { organisationEn } from './organisation.en'
import { portalEn } from './portal.en'
import { receiptsDeskEn } from './receipts-desk.en'
import { privacyEn } from './privacy.en'
import { staffEn } from './staff.en'
import { studentsEn } from './students.en'
import { transparencyEn } from './transparency.en'
import { updatesEn } from './updates.en'
import { teamsEn } from './teams.en'

import { matchingEn } from './matching.en'
export const en: Messages = {
  ...storyEn,
  ...pickerEn,
  ...matchingEn,
  ...financeEn,
  ...consoleEn,
  ...accountsEn,
  ...deskEn,
  ...refundsEn,
  ...organisationEn,
  ...givingEn,
  ...portalEn,
  ...receiptsDeskEn,
  ...privacyEn,
  ...staffEn,
  ...studentsEn,
  ...transparencyEn,
  ...updatesEn,
  ...teamsEn,
  'app.name': 'Hope Ledger',
  'app.tagline': 'Every donated yuan, followed to the child it helps',
  'nav.home': 'Home',
  'nav.campaigns': 'Campaigns',
  'nav.transparency': 'Transparency',
  'nav.staffSignedIn': 'Console (signed in)',
  'nav.donorSignedIn': 'My gifts (signed in)',
  'nav.staff': 'Staff sign-in',
  'nav.language': 'Language',
  'nav.switchTo': '中文',
  'footer.about':
    'Hope Ledger is an open-source platform for giving and tracing. Students appear in public only under pseudonymous codes.',
  'footer.receiptNote':
    'We issue donation receipts; they are not the official finance-bureau charitable donation receipt (公益事业捐赠票据).',
  'home.heroTitle': 'See where every gift goes',
  'home.heroBody':
    'Your gift goes into the fund you choose and reaches students by a published first-in, first-out rule; every entry sits in a public ledger anyone can verify.',
  'home.campaignsTitle': 'Campaigns now raising',
  'home.noCampaigns': 'No campaigns are raising right now.',
  'home.waysTitle': 'More ways to help',
  'home.sponsorBody': 'Sponsor one student for a school year: you get their pseudonymous code and moderated letters.',
  'campaign.raised': 'Raised',
  'campaign.goal': 'Goal',
  'campaign.donors': '{count} donors',
  'campaign.progressNote':
    'Raised: gifts received so far; goal: what the campaign sets out to raise; the percentage is raised over goal.',
  'campaign.progressLabel': 'Progress {percent}%',
  'campaign.daysLeft': '{days} days left',
  'campaign.ended': 'Ended',
  'campaign.donate': 'Give now',
  'error.notFoundTitle': 'Page not found',
  'error.notFoundBody': 'The page you are looking for does not exist or has moved.',
  'error.genericTitle': 'Something went wrong',
  'error.genericBody': 'The service had a problem. Please try again later; the error has been logged.',
  'error.backHome': 'Back to the home page',
  'form.required': 'This field is required',
  'verify.throttled': 'Too many attempts from this connection. Please wait 15 minutes and try again.',
  'verify.title': 'Verify a donation receipt',
  'verify.intro': 'Enter the number and verification code printed on the receipt, or scan its QR code.',
  'verify.number': 'Receipt number',
  'verify.code': 'Verification code',
  'verify.submit': 'Verify',
  'verify.invalid': 'No receipt matches this number and code. Please check them and try again.',
  'verify.valid': 'This is a valid donation receipt issued by Hope Ledger.',
  'verify.voided': 'This receipt was voided on {date}.',
  'verify.replacedBy': 'It was replaced by receipt {number}.',
  'verify.replaces': 'It replaces the voided receipt {number}.',
  'verify.amount': 'Amount',
  'verify.capitals': 'In Chinese capitals',
  'verify.date': 'Date of gift',
  'verify.issued': 'Issued',
  'verify.campaign': 'Given to',
  'verify.official':
    'An official charitable donation receipt (公益事业捐赠票据) has been issued for this gift: code {code}, number {number}.',
  'verify.privacy': "Verification never shows the donor's personal details.",
  'ledger.refusal.insufficient': 'Not enough money is available; nothing was written.',
  'ledger.refusal.conflict':
    'This entry was already submitted under the same key with different content; nothing was written.',
  'ledger.refusal.input': 'The ledger refused this entry: it breaks a bookkeeping rule; nothing was written.',
}

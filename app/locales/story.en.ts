import type { storyZhCN } from './story.zh-CN'

export const storyEn: { readonly [K in keyof typeof storyZhCN]: string } = {
  'story.manage': 'Public story',
  'story.title': 'Public story of {code}',
  'story.intro':
    'A few sentences that may be public (hobbies, hopes, a word to the sponsor), shown on the 1+1 sponsorship page and the student’s public page only while the guardian consents to a public story. No name, school, address, phone or ID number: those are refused.',
  'story.label': 'Story ({min}–{max} characters; leave empty to remove it)',
  'story.save': 'Save',
  'story.saved': 'Saved.',
  'story.removed': 'Removed.',
  'story.notShown': 'The guardian does not consent to a public story now: the story is not shown on public pages.',
  'story.error.length': 'The story must be {min}–{max} characters',
  'story.error.name': 'The story must not carry the student’s or guardian’s name',
  'story.error.id': 'The story must not carry an ID number or anything like one',
  'story.error.school': 'The story must not name a school',
  'story.error.contact': 'The story must not carry a phone number, email, link, WeChat/QQ id or address',
  'story.heading': 'Their story',
  'audit.do.student.story_saved': 'Student’s public story saved',
  'audit.do.student.story_removed': 'Student’s public story removed',
  // Audit actions of the gift desk that had no words yet (the audit log showed their codes).
  'audit.do.donation.import': 'Gifts imported from a bank statement',
  'audit.do.donation.record_offline': 'Offline gift recorded',
  'audit.do.receipt.resend': 'Receipt sent again',
  'audit.do.official-receipt.attach': 'Official receipt attached',
  'audit.do.refund.prepared': 'Refund prepared',
  'audit.do.refund.requested': 'Refund requested',
  'audit.do.refund.approved': 'Refund approved',
  'audit.do.refund.rejected': 'Refund rejected',
  'audit.do.refund.failed': 'Refund failed',
  'audit.do.refund.succeeded': 'Refund succeeded',
  'audit.do.donor.merge': 'Donors merged',
  'audit.do.donor.erase': 'Donor’s personal data erased',
}

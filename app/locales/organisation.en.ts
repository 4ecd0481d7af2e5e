import type { organisationZhCN } from './organisation.zh-CN'

export const organisationEn: { readonly [K in keyof typeof organisationZhCN]: string } = {
  'organisation.title': 'Organisation',
  'organisation.intro': 'Receipts, mail, the site footer and campaign pages use these particulars.',
  'organisation.saved': 'The organisation’s particulars are saved.',
  'organisation.fixErrors': 'Please correct the marked fields, then save.',
  'organisation.name': 'Name (Chinese)',
  'organisation.nameEn': 'Name (English)',
  'organisation.creditCode': 'Unified social credit code (统一社会信用代码)',
  'organisation.creditCodeHint': '18 characters; the last is a check character.',
  'organisation.creditCodeInvalid':
    'Not a valid unified social credit code: 18 characters with a matching check character',
  'organisation.fundraisingCertificate': 'Public fundraising certificate number (公开募捐资格证书)',
  'organisation.phone': 'Phone',
  'organisation.phoneInvalid': 'Enter a valid phone number',
  'organisation.email': 'Contact email',
  'organisation.address': 'Address (Chinese)',
  'organisation.addressEn': 'Address (English)',
  'organisation.addressShort': 'Address',
  'organisation.receiptWording': 'Receipt wording (Chinese)',
  'organisation.receiptWordingHint': 'Leave empty for the default: “This donation receipt from (name) confirms …”.',
  'organisation.receiptWordingEn': 'Receipt wording (English)',
  'organisation.receiptSignature': 'Signature line on receipts',
  'organisation.receiptSignatureHint': 'For example: Finance office, Example Foundation.',
  'organisation.tooLong': 'Too long',
  'admin.organisation': 'Organisation',
}

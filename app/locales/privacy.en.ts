import type { privacyZhCN } from './privacy.zh-CN'

export const privacyEn: { readonly [K in keyof typeof privacyZhCN]: string } = {
  'privacy.link': 'Personal data request (export or erase)',
  'privacy.title': 'Personal data request: {email}',
  'privacy.back': '← Back to the donor',
  'privacy.intro':
    'Under PIPL a donor may ask to see, copy or erase the personal data we hold. The export holds every row about them in every table; erasure removes their name, email, messages and portal account, while the books and the public ledger still verify.',
  'privacy.held': 'Records held',
  'privacy.heldGifts': '{n} gifts, {receipts} receipts, {mails} mails',
  'privacy.export': 'Download all data (JSON)',
  'privacy.erase': 'Erase this donor’s personal data',
  'privacy.eraseWarn':
    'This cannot be undone. Receipt numbers, amounts and ledger records stay (accounting law requires them) but no longer show this person’s name or email.',
  'privacy.confirm': 'Type this donor’s email to confirm',
  'privacy.confirmWrong': 'That email is not this donor’s. Nothing was erased.',
  'privacy.erased':
    'Erased: personal data of {donations} gifts removed; the name withdrawn from {withdrawn} public ledger records.',
  'privacy.keptInLedger':
    '{n} records from before ledger version 2 carry the full name the donor chose to show; it cannot be withdrawn from the hash chain.',
}

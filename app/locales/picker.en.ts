import type { pickerZhCN } from './picker.zh-CN'

export const pickerEn: { readonly [K in keyof typeof pickerZhCN]: string } = {
  'picker.title': 'Pick students',
  'picker.hint':
    'Choose the programme, term, station and funding campaign, then “Show students”. The list holds only active students with a guardian’s consent at that station or below; tick them and submit for approval.',
  'picker.q': 'Search by pseudonym code (optional)',
  'picker.find': 'Show students',
  'picker.none': 'No student matches.',
  'picker.more': 'Only the first {count} are listed; narrow the search by code.',
  'picker.pick': 'Pick',
  'picker.code': 'Code',
  'picker.county': 'County',
  'picker.grade': 'Grade',
  'picker.programme': 'This programme',
  'picker.balance': 'Sponsorship fund',
  'picker.ok': 'Can be picked',
  'picker.reason.ineligible': 'Not in a category this programme funds',
  'picker.reason.capped': 'Already funded this term',
  'picker.reason.noSponsorship': 'No active sponsorship',
  'picker.reason.noFunds': 'Sponsorship fund holds less than one term',
  'picker.typed': 'Other students: codes, one per line; “code amount (yuan)”, or the programme’s award when no amount',
  'picker.fund': 'Available now in {fund}: {amount}',
  'picker.fundOption': '{amount} available',
  'picker.fundSponsorship':
    'A sponsorship batch draws on each student’s own sponsorship fund; balances are in the list.',
  'picker.chosen': '{count} ticked, {total} at the programme’s award',
}

import type { accountsZhCN } from './accounts.zh-CN'

export const accountsEn: { readonly [K in keyof typeof accountsZhCN]: string } = {
  'adminCreate.adminExists':
    'An active admin exists already; no admin was created. To add one more on purpose, add --another.',
  'adminCreate.emailTaken': 'An account with this email exists already.',
  'adminCreate.noSuchRoot': 'No root station is named “{name}”.',
  'adminCreate.stationCreated': 'Created the root station “{station}”.',
  'adminCreate.stationFound': 'Using the existing root station “{station}”.',
  'adminCreate.done':
    'Created an admin account for {email}. Give the person this one-time link to set a password (valid until {until}, once only):',
}

import { createContext, useContext } from 'react'
import { organisationName, type Organisation } from '../../app/modules/organisation/schema'

// Who sends the mail: the organisation's particulars, copied into each outbox row when it
// is queued (queueEmail) and handed to every template through this context by renderEmail,
// so no template carries an organisation name of its own.

export type EmailOrg = Organisation
export const OrgContext = createContext<EmailOrg | null>(null)

export function useOrg(): EmailOrg | null {
  return useContext(OrgContext)
}

/** The organisation's name in the locale, or a neutral word when none is set. */
export function orgName(org: EmailOrg | null, locale: 'zh-CN' | 'en'): string {
  return (org && organisationName(org, locale)) || (locale === 'en' ? 'the organisation' : '本机构')
}

import { useRouteLoaderData } from '@remix-run/react'
import { EMPTY_ORGANISATION, organisationName, type Organisation } from '~/modules/organisation/schema'
import { useLocale, useT } from '~/utils/locale'

// The organisation's particulars from the root loader (organisation settings), for the site
// footer and any page that names who runs the appeal (campaign pages).

export function useOrganisation(): Organisation {
  const data = useRouteLoaderData<{ organisation?: Organisation }>('root')
  return data?.organisation ?? EMPTY_ORGANISATION
}

/** Name, registration and certificate, and contact: one block, nothing when unset. */
export function OrganisationFacts({ className }: { className?: string }) {
  const org = useOrganisation()
  const locale = useLocale()
  const t = useT()
  const name = organisationName(org, locale)
  if (!name) return null
  const address = locale === 'en' ? org.addressEn || org.address : org.address
  return (
    <div className={className}>
      <p>
        <strong>{name}</strong>
      </p>
      <dl className="org-facts">
        {org.creditCode ? (
          <div>
            <dt>{t('organisation.creditCode')}</dt>
            <dd>{org.creditCode}</dd>
          </div>
        ) : null}
        {org.fundraisingCertificate ? (
          <div>
            <dt>{t('organisation.fundraisingCertificate')}</dt>
            <dd>{org.fundraisingCertificate}</dd>
          </div>
        ) : null}
        {org.phone ? (
          <div>
            <dt>{t('organisation.phone')}</dt>
            <dd>
              <a href={`tel:${org.phone.replace(/[^0-9+]/g, '')}`}>{org.phone}</a>
            </dd>
          </div>
        ) : null}
        {org.email ? (
          <div>
            <dt>{t('organisation.email')}</dt>
            <dd>
              <a href={`mailto:${org.email}`}>{org.email}</a>
            </dd>
          </div>
        ) : null}
        {address ? (
          <div>
            <dt>{t('organisation.addressShort')}</dt>
            <dd>{address}</dd>
          </div>
        ) : null}
      </dl>
    </div>
  )
}

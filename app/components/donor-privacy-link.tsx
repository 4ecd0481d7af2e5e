import { Link } from '@remix-run/react'
import { useT } from '~/utils/locale'

/** The way from a donor's page to their PIPL requests, for those who may answer them. */
export function DonorPrivacyLink({ donorId, allowed }: { donorId: number; allowed: boolean }) {
  const t = useT()
  if (!allowed) return null
  return (
    <p>
      <Link to={`/admin/donors/${donorId}/privacy`}>{t('privacy.link')}</Link>
    </p>
  )
}

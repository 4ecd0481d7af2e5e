import { Link } from '@remix-run/react'
import { useT } from '~/utils/locale'

export default function Cancelled() {
  const t = useT()
  return (
    <section className="form-narrow">
      <h1>{t('cancelled.title')}</h1>
      <p>{t('cancelled.body')}</p>
      <Link className="button" to="/donate">
        {t('cancelled.again')}
      </Link>
    </section>
  )
}

import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { requireDonor } from '~/modules/auth/donor.server'
import { statementYears } from '~/modules/receipts/portal.server'
import { getDb } from '~/utils/db.server'
import { useT } from '~/utils/locale'

// One annual statement per year with a valid receipt; the PDF is donor.statements.$year[.]pdf.

export const meta: MetaFunction = () => [{ title: '捐赠人中心 · 希望账本' }, { name: 'robots', content: 'noindex' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const donor = await requireDonor(request)
  return { years: await statementYears(getDb(), donor.email) }
}

export default function DonorStatements() {
  const { years } = useLoaderData<typeof loader>()
  const t = useT()
  return (
    <section>
      <h1>{t('portal.statements.title')}</h1>
      <p className="muted">{t('portal.statements.body')}</p>
      {years.length === 0 ? (
        <p>{t('portal.statements.empty')}</p>
      ) : (
        <ul>
          {years.map((year) => (
            <li key={year}>
              <a href={`/donor/statements/${year}.pdf`} download={`statement-${year}.pdf`}>
                {t('portal.statements.download', { year })}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

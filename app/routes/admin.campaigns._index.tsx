import type { LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { SelectField } from '~/components/admin/Field'
import { requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { listCampaignsForStaff } from '~/modules/campaigns/admin.server'
import { CAMPAIGN_STATUSES, CampaignListQuery } from '~/modules/campaigns/schema'
import { getDb } from '~/utils/db.server'
import { formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'

export const access = { loader: 'campaigns.manage' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const query = CampaignListQuery.parse(Object.fromEntries(new URL(request.url).searchParams))
  const campaigns = await listCampaignsForStaff(getDb(), stationScope(staff, access.loader), query)
  return { campaigns, status: query.status ?? '' }
}

export default function Campaigns() {
  const { campaigns, status } = useLoaderData<typeof loader>()
  const [search] = useSearchParams()
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{t('campaigns.admin.title')}</h1>
      {search.get('done') === 'deleted' ? (
        <p role="status" className="notice">
          {t('campaigns.done.deleted')}
        </p>
      ) : null}
      <p>
        <Link className="button" to="/admin/campaigns/new">
          {t('campaigns.admin.new')}
        </Link>
      </p>
      <Form method="get" className="admin-filters">
        <SelectField
          name="status"
          label={t('campaigns.admin.status')}
          defaultValue={status}
          options={[
            { value: '', label: t('campaigns.admin.allStatuses') },
            ...CAMPAIGN_STATUSES.map((s) => ({ value: s, label: t(`campaigns.status.${s}`) })),
          ]}
        />
        <button type="submit" className="button">
          {t('common.search')}
        </button>
      </Form>
      {campaigns.length === 0 ? (
        <p className="muted">{t('campaigns.admin.none')}</p>
      ) : (
        <div className="table-scroll table-region" tabIndex={0} role="region" aria-label={t('campaigns.admin.title')}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('campaigns.field.title')}</th>
                <th scope="col">{t('campaigns.admin.status')}</th>
                <th scope="col">{t('campaigns.field.stationId')}</th>
                <th scope="col" className="num">
                  {t('campaign.raised')}
                </th>
                <th scope="col" className="num">
                  {t('campaign.goal')}
                </th>
                <th scope="col">{t('campaigns.admin.dates')}</th>
              </tr>
            </thead>
            <tbody>
              {campaigns.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/admin/campaigns/${c.id}`}>{(locale === 'en' && c.titleEn) || c.title}</Link>
                  </td>
                  <td>{t(`campaigns.status.${c.status}`)}</td>
                  <td>{(locale === 'en' ? c.stationNameEn : c.stationName) ?? '—'}</td>
                  <td className="num">{formatMoney(c.raised, c.currency, locale)}</td>
                  <td className="num">{formatMoney(c.goalAmount, c.currency, locale)}</td>
                  <td>
                    {formatDate(c.startsAt, locale)}
                    {c.endsAt ? ` – ${formatDate(c.endsAt, locale)}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { Field, SelectField } from '~/components/admin/Field'
import { requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { recordOfflineGift, type OfflineConflict } from '~/modules/donations/offline.server'
import { OFFLINE_METHODS, offlineGiftSchema } from '~/modules/donations/offline-schema'
import { listRecentOfflineGifts } from '~/modules/donations/queries.server'
import { listActiveCampaigns } from '~/modules/campaigns/queries.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { formValues, refusalData, type RefusalBody } from '~/utils/http.server'
import { chinaDate, formatDate, isMessageKey, resolveLocale, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { isRefusal } from '~/utils/refusal'

export const access = { loader: 'donations.record', action: 'donations.record' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, { permission: access.loader })
  const db = getDb()
  return {
    currencies: getEnv().CURRENCIES,
    campaigns: (await listActiveCampaigns(db, { locale: resolveLocale(request) })).map((c) => ({
      slug: c.slug,
      title: c.title,
    })),
    recent: await listRecentOfflineGifts(db),
    today: chinaDate(),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const values = formValues(await request.formData())
  const parsed = offlineGiftSchema(getEnv().CURRENCIES).safeParse(values)
  if (!parsed.success) {
    const errors: Record<string, MessageKey> = {}
    for (const issue of parsed.error.issues)
      errors[String(issue.path[0])] ??= isMessageKey(issue.message) ? issue.message : 'form.required'
    return data<RefusalBody & { values: typeof values; result: null }>(
      { errors, values, result: null },
      { status: 400 },
    )
  }
  try {
    const result = await recordOfflineGift(getDb(), {
      ...parsed.data,
      provider: 'offline',
      sourceRef: `offline:${parsed.data.method}:${parsed.data.reference}`,
      recordedBy: staff.id,
    })
    // The reference is recorded with another amount or donor: say what differs, book nothing.
    const conflict: Record<string, MessageKey> = { reference: 'offline.error.conflict' }
    if (result.conflicts.length)
      return data(
        {
          errors: conflict,
          params: { id: result.publicId },
          values,
          result,
        },
        { status: 409 },
      )
    return { values: {}, result }
  } catch (error) {
    if (isRefusal(error)) return refusalData(error, { values, result: null })
    throw error
  }
}

const CONFLICT_LABEL = {
  amount: 'offline.amount',
  currency: 'offline.currency',
  donorName: 'offline.donorName',
  donorEmail: 'offline.donorEmail',
} as const satisfies Record<OfflineConflict['field'], MessageKey>

export default function OfflineGifts() {
  const { currencies, campaigns, recent, today } = useLoaderData<typeof loader>()
  const res = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const err = (k: string) => {
    const key = res && 'errors' in res ? res.errors?.[k] : undefined
    return key ? t(key, res && 'params' in res ? res.params : undefined) : undefined
  }
  const v: Partial<Record<string, string>> = res?.values ?? {}
  return (
    <section>
      <h1>{t('offline.title')}</h1>
      <p className="muted">{t('offline.intro')}</p>
      <p>
        <Link to="/admin/donations/import">{t('import.title')}</Link>
      </p>
      {res?.result && !res.result.conflicts.length ? (
        <p role="status" className="card">
          {t(res.result.created ? 'offline.recorded' : 'offline.duplicate', { id: res.result.publicId })}
        </p>
      ) : null}
      {res?.result?.conflicts.length ? (
        <div role="alert" className="error-summary">
          <p>{t('offline.error.conflict', { id: res.result.publicId })}</p>
          <ul>
            {res.result.conflicts.map((c) => (
              <li key={c.field}>
                {t('offline.conflict', {
                  field: t(CONFLICT_LABEL[c.field]),
                  recorded:
                    typeof c.recorded === 'number' ? formatMoney(c.recorded, v.currency ?? 'CNY', locale) : c.recorded,
                  entered:
                    typeof c.entered === 'number' ? formatMoney(c.entered, v.currency ?? 'CNY', locale) : c.entered,
                })}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <Form method="post" className="form-narrow">
        <SelectField
          name="method"
          label={t('offline.method')}
          error={err('method')}
          defaultValue={v.method}
          options={OFFLINE_METHODS.map((m) => ({ value: m, label: t(`offline.method.${m}`) }))}
        />
        <Field
          name="reference"
          label={t('offline.reference')}
          error={err('reference')}
          defaultValue={v.reference}
          required
          maxLength={80}
        />
        <Field
          name="receivedOn"
          type="date"
          label={t('offline.receivedOn')}
          error={err('receivedOn')}
          defaultValue={v.receivedOn ?? today}
          max={today}
          required
        />
        <Field
          name="amount"
          inputMode="decimal"
          label={t('offline.amount')}
          error={err('amount')}
          defaultValue={v.amount}
          required
        />
        <SelectField
          name="currency"
          label={t('offline.currency')}
          error={err('currency')}
          defaultValue={v.currency ?? 'CNY'}
          options={currencies.map((c) => ({ value: c, label: c }))}
        />
        <SelectField
          name="campaignSlug"
          label={t('offline.campaign')}
          error={err('campaignSlug')}
          defaultValue={v.campaignSlug ?? ''}
          options={[{ value: '', label: '—' }, ...campaigns.map((c) => ({ value: c.slug, label: c.title }))]}
        />
        <Field
          name="donorName"
          label={t('offline.donorName')}
          error={err('donorName')}
          defaultValue={v.donorName}
          required
          maxLength={80}
        />
        <Field
          name="donorEmail"
          type="email"
          label={t('offline.donorEmail')}
          error={err('donorEmail')}
          defaultValue={v.donorEmail}
          required
        />
        <SelectField
          name="displayMode"
          label={t('offline.displayMode')}
          error={err('displayMode')}
          defaultValue={v.displayMode ?? 'family'}
          options={[
            { value: 'full', label: t('donate.showFull') },
            { value: 'family', label: t('donate.showFamily') },
            { value: 'anonymous', label: t('donate.showAnonymous') },
          ]}
        />
        <Field name="note" label={t('offline.note')} error={err('note')} defaultValue={v.note} maxLength={500} />
        <button type="submit" className="button">
          {t('offline.submit')}
        </button>
      </Form>
      <h2>{t('offline.recent')}</h2>
      <table>
        <tbody>
          {recent.map((g) => (
            <tr key={g.public_id}>
              <td>{g.public_id}</td>
              <td>{g.source_ref}</td>
              <td>{formatMoney(g.amount, g.currency, locale)}</td>
              <td>{g.donor_name}</td>
              <td>{g.paid_at ? formatDate(g.paid_at, locale) : ''}</td>
              <td>{g.recorded_by}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

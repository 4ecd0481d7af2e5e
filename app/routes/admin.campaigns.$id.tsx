import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { CampaignForm } from '~/components/admin/CampaignForm'
import { campaignSelectOptions } from '~/components/admin/campaign-options'
import { clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import { notFound } from '~/utils/http.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import {
  closeCampaign,
  deleteCampaign,
  getCampaignForStaff,
  publishCampaign,
  updateCampaign,
} from '~/modules/campaigns/admin.server'
import { coverUrl } from '~/modules/campaigns/cover.server'
import { campaignFormOptions, formValuesOf, readCampaignForm } from '~/modules/campaigns/form.server'
import { campaignIssues, CampaignIntent } from '~/modules/campaigns/schema'
import { getDb } from '~/utils/db.server'
import { codeKey, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { isRefusal } from '~/utils/refusal'

export const access = { loader: 'campaigns.manage', action: 'campaigns.manage' } satisfies RouteAccess

const idOf = (raw: string | undefined) => (/^\d{1,12}$/.test(raw ?? '') ? Number(raw) : null)

export async function loader({ request, params }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const scope = stationScope(staff, access.loader)
  const id = idOf(params.id)
  const found = id === null ? undefined : await getCampaignForStaff(getDb(), scope, id)
  if (!found) throw notFound()
  const { row } = found
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    status: row.status,
    currency: row.currency,
    goal: row.goal_amount,
    raised: found.raised,
    donors: found.donors,
    gifts: found.gifts,
    cover: coverUrl(row.cover_path),
    values: formValuesOf(row),
    options: await campaignFormOptions(getDb(), scope),
  }
}

type Result = {
  errors: Record<string, MessageKey>
  params?: Record<string, string | number>
  values?: Record<string, string>
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const actor = { id: staff.id, ip: clientIp(context), scope: stationScope(staff, access.action) }
  const id = idOf(params.id)
  // Outside the staff member's subtree is the same as not existing.
  if (id === null || !(await getCampaignForStaff(getDb(), actor.scope, id))) throw notFound()
  let values: Record<string, string> | undefined
  try {
    const form = await readCampaignForm(request)
    const intent = CampaignIntent.safeParse(form.intent)
    if (!intent.success) return data({ errors: { form: 'campaigns.error.intent' } }, { status: 400 })
    const db = getDb()
    switch (intent.data) {
      case 'save': {
        values = form.values
        if (!form.parsed.success) return data({ errors: campaignIssues(form.parsed.error), values }, { status: 400 })
        await updateCampaign(db, actor, id, form.parsed.data, {
          bytes: await form.readCover(),
          remove: form.removeCover,
        })
        return redirect(`/admin/campaigns/${id}?done=saved`)
      }
      case 'publish':
        await publishCampaign(db, actor, id)
        return redirect(`/admin/campaigns/${id}?done=published`)
      case 'close':
        await closeCampaign(db, actor, id)
        return redirect(`/admin/campaigns/${id}?done=closed`)
      case 'delete':
        await deleteCampaign(db, actor, id)
        return redirect('/admin/campaigns?done=deleted')
    }
  } catch (e) {
    if (isRefusal(e))
      return data({ errors: { [e.field ?? 'form']: e.messageKey }, params: e.params, values }, { status: e.status })
    throw e
  }
}

export default function CampaignAdmin() {
  const c = useLoaderData<typeof loader>()
  const result = useActionData<Result>()
  const [search] = useSearchParams()
  const t = useT()
  const locale = useLocale()
  const done = search.get('done')
  const { programmes, stations } = campaignSelectOptions(c.options, locale)
  const formError = result?.errors.form
  return (
    <section>
      <h1>{c.title}</h1>
      {done && ['created', 'saved', 'published', 'closed'].includes(done) ? (
        <p role="status" className="notice">
          {t(codeKey('campaigns.done.', done))}
        </p>
      ) : null}
      <dl className="record">
        <div>
          <dt>{t('campaigns.admin.status')}</dt>
          <dd>{t(`campaigns.status.${c.status}`)}</dd>
        </div>
        <div>
          <dt>{t('campaign.raised')}</dt>
          <dd>
            {formatMoney(c.raised, c.currency, locale)} / {formatMoney(c.goal, c.currency, locale)} ·{' '}
            {t('campaign.donors', { count: c.donors })}
          </dd>
        </div>
      </dl>
      {formError && !result?.values ? (
        <p className="error-summary" role="alert">
          {t(formError, result?.params)}
        </p>
      ) : null}
      <div className="inline-actions">
        <Link className="button" to={c.status === 'draft' ? `/campaigns/${c.slug}?preview=1` : `/campaigns/${c.slug}`}>
          {c.status === 'draft' ? t('campaigns.admin.preview') : t('campaigns.admin.view')}
        </Link>
        {c.status === 'draft' ? (
          <Form method="post">
            <button type="submit" name="intent" value="publish" className="button">
              {t('campaigns.admin.publish')}
            </button>
          </Form>
        ) : null}
        {c.status === 'active' ? (
          <Form method="post">
            <button type="submit" name="intent" value="close" className="button">
              {t('campaigns.admin.close')}
            </button>
          </Form>
        ) : null}
        {c.gifts === 0 ? (
          <Form method="post">
            <button type="submit" name="intent" value="delete" className="button button-danger">
              {t('campaigns.admin.delete')}
            </button>
          </Form>
        ) : null}
      </div>
      <p className="muted">{c.gifts > 0 ? t('campaigns.admin.neverDeleted') : t('campaigns.admin.publishNote')}</p>
      <h2>{t('campaigns.admin.edit')}</h2>
      <CampaignForm
        values={result?.values ?? c.values}
        errors={result?.values ? result.errors : result?.errors && !formError ? result.errors : undefined}
        params={result?.params}
        currencies={c.options.currencies}
        programmes={programmes}
        stations={stations}
        cover={c.cover}
        slugLocked={c.status !== 'draft'}
        submitLabel={t('common.save')}
      />
    </section>
  )
}

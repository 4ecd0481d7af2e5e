import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { CampaignForm } from '~/components/admin/CampaignForm'
import { campaignSelectOptions } from '~/components/admin/campaign-options'
import { clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { createCampaign } from '~/modules/campaigns/admin.server'
import { campaignFormOptions, readCampaignForm } from '~/modules/campaigns/form.server'
import { campaignIssues } from '~/modules/campaigns/schema'
import { getDb } from '~/utils/db.server'
import { chinaDate, type MessageKey } from '~/utils/i18n'
import { isRefusal } from '~/utils/refusal'
import { useLocale, useT } from '~/utils/locale'

export const access = { loader: 'campaigns.manage', action: 'campaigns.manage' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  return {
    options: await campaignFormOptions(getDb(), stationScope(staff, access.loader)),
    today: chinaDate(),
  }
}

type Result = {
  errors: Record<string, MessageKey>
  params?: Record<string, string | number>
  values: Record<string, string>
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  let values: Record<string, string> = {}
  try {
    const form = await readCampaignForm(request)
    values = form.values
    if (!form.parsed.success) return data({ errors: campaignIssues(form.parsed.error), values }, { status: 400 })
    const actor = { id: staff.id, ip: clientIp(context), scope: stationScope(staff, access.action) }
    const id = await createCampaign(getDb(), actor, form.parsed.data, await form.readCover())
    return redirect(`/admin/campaigns/${id}?done=created`)
  } catch (e) {
    if (isRefusal(e))
      return data({ errors: { [e.field ?? 'form']: e.messageKey }, params: e.params, values }, { status: e.status })
    throw e
  }
}

export default function NewCampaign() {
  const { options, today } = useLoaderData<typeof loader>()
  const result = useActionData<Result>()
  const t = useT()
  const locale = useLocale()
  const { programmes, stations } = campaignSelectOptions(options, locale)
  return (
    <section>
      <h1>{t('campaigns.admin.new')}</h1>
      <p className="muted">{t('campaigns.admin.draftNote')}</p>
      <CampaignForm
        values={result?.values ?? { startsOn: today, currency: 'CNY' }}
        errors={result?.errors}
        params={result?.params}
        currencies={options.currencies}
        programmes={programmes}
        stations={stations}
        cover={null}
        submitLabel={t('campaigns.admin.createDraft')}
      />
    </section>
  )
}

import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { Field, SelectField, TextAreaField } from '~/components/admin/Field'
import { clientIp } from '~/modules/auth/authorize.server'
import { requireDonor } from '~/modules/auth/donor.server'
import { TeamInput, teamIssues } from '~/modules/teams/schema'
import { campaignsForTeams, createTeam, ownTeams, teamStations } from '~/modules/teams/teams.server'
import { getDb } from '~/utils/db.server'
import { formValues, type RefusalBody } from '~/utils/http.server'
import type { MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { isRefusal } from '~/utils/refusal'

// The donor's team pages (一起捐): the ones they started, and a form to start one.

export const meta: MetaFunction = () => [{ title: '一起捐 · 希望账本' }, { name: 'robots', content: 'noindex' }]

export async function loader({ request }: LoaderFunctionArgs) {
  const donor = await requireDonor(request)
  const db = getDb()
  return {
    name: donor.displayName,
    teams: await ownTeams(db, donor.id),
    campaigns: await campaignsForTeams(db),
    stations: await teamStations(db),
    campaign: new URL(request.url).searchParams.get('campaign') ?? '',
  }
}

type Result = RefusalBody & { values: Record<string, string> }

export async function action({ request, context }: ActionFunctionArgs) {
  const donor = await requireDonor(request)
  const values = formValues(await request.formData())
  const parsed = TeamInput.safeParse(values)
  if (!parsed.success) return data<Result>({ errors: teamIssues(parsed.error), values }, { status: 400 })
  try {
    const code = await createTeam(
      getDb(),
      { id: donor.id, displayName: donor.displayName, ip: clientIp(context) },
      parsed.data,
    )
    return redirect(`/teams/${code}?created=1`, 303)
  } catch (e) {
    if (isRefusal(e))
      return data<Result>(
        { errors: { [e.field ?? 'form']: e.messageKey }, values },
        { status: e.status === 400 ? 422 : e.status },
      )
    throw e
  }
}

export default function DonorTeams() {
  const { teams, campaigns, stations, campaign, name } = useLoaderData<typeof loader>()
  const r = useActionData<Result>()
  const t = useT()
  const locale = useLocale()
  const err = (f: string) => (r?.errors?.[f] ? t(r.errors[f] as MessageKey) : undefined)
  const v = r?.values ?? {}
  return (
    <section>
      <h1>{t('teams.portal.title')}</h1>
      <p className="muted">{t('teams.portal.intro')}</p>
      {teams.length === 0 ? <p>{t('teams.portal.none')}</p> : null}
      <ul className="gift-list">
        {teams.map((team) => (
          <li key={team.code}>
            <span>
              {team.hidden ? team.title : <Link to={`/teams/${team.code}`}>{team.title}</Link>}{' '}
              <span className="muted">· {team.campaignTitle}</span>
              {team.hidden ? <span className="status status-due"> {t('teams.portal.hidden')}</span> : null}
            </span>
            <span>
              {formatMoney(team.raised, team.currency, locale)} / {formatMoney(team.goalAmount, team.currency, locale)}
            </span>
          </li>
        ))}
      </ul>
      {err('form') ? (
        <p className="error-summary" role="alert">
          {err('form')}
        </p>
      ) : null}
      {campaigns.length ? (
        <Form method="post" noValidate className="form-narrow">
          <h2>{t('teams.portal.new')}</h2>
          <SelectField
            name="campaign"
            label={t('teams.field.campaign')}
            defaultValue={v.campaign ?? campaign}
            error={err('campaign')}
            options={campaigns.map((c) => ({ value: c.slug, label: (locale === 'en' && c.titleEn) || c.title }))}
          />
          <Field
            name="title"
            label={t('teams.field.title')}
            maxLength={40}
            defaultValue={v.title}
            error={err('title')}
          />
          <Field
            name="goal"
            label={t('teams.field.goal')}
            inputMode="decimal"
            defaultValue={v.goal}
            error={err('goal')}
            hint={t('teams.field.goalHint')}
          />
          <TextAreaField
            name="message"
            label={t('teams.field.message')}
            hint={t('teams.field.messageHint')}
            maxLength={300}
            defaultValue={v.message}
            error={err('message')}
          />
          <SelectField
            name="station"
            label={t('teams.field.station')}
            defaultValue={v.station ?? ''}
            error={err('station')}
            options={[
              { value: '', label: t('teams.field.noStation') },
              ...stations.map((s) => ({ value: String(s.id), label: (locale === 'en' && s.nameEn) || s.name })),
            ]}
          />
          <SelectField
            name="displayMode"
            label={t('teams.field.displayMode')}
            defaultValue={v.displayMode ?? 'family'}
            error={err('displayMode')}
            options={(['full', 'family', 'anonymous'] as const).map((m) => ({
              value: m,
              label: t(`teams.displayMode.${m}`, { name }),
            }))}
          />
          <button type="submit" className="button">
            {t('teams.portal.create')}
          </button>
        </Form>
      ) : (
        <p className="muted">{t('teams.portal.noCampaigns')}</p>
      )}
    </section>
  )
}

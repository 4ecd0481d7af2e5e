import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { HideInput, teamIssues } from '~/modules/teams/schema'
import { hideTeam, listTeamsForStaff } from '~/modules/teams/moderate.server'
import { getDb } from '~/utils/db.server'
import { formValues } from '~/utils/http.server'
import { formatDateTime, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { isRefusal } from '~/utils/refusal'

// Team pages (一起捐) under moderation: staff who moderate letters hide a page that should
// not be public (with a reason; audited). Contact details are refused before a page exists.
export const access = { loader: 'letters.moderate', action: 'letters.moderate' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  return { teams: await listTeamsForStaff(getDb(), stationScope(staff, access.loader)) }
}

type Result = { errors: Record<string, MessageKey>; teamId?: string }

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const values = formValues(await request.formData())
  const parsed = HideInput.safeParse(values)
  if (values.intent !== 'hide' || !parsed.success)
    return data<Result>(
      { errors: parsed.success ? { form: 'teams.error.invalid' } : teamIssues(parsed.error), teamId: values.teamId },
      { status: 400 },
    )
  const actor = { id: staff.id, scope: stationScope(staff, access.action), ip: clientIp(context) }
  try {
    await hideTeam(getDb(), actor, parsed.data)
    return redirect('/admin/teams?done=hidden', 303)
  } catch (e) {
    if (isRefusal(e))
      return data<Result>({ errors: { form: e.messageKey }, teamId: values.teamId }, { status: e.status })
    throw e
  }
}

export default function AdminTeams() {
  const { teams } = useLoaderData<typeof loader>()
  const r = useActionData<Result>()
  const [params] = useSearchParams()
  const t = useT()
  const locale = useLocale()
  return (
    <section>
      <h1>{t('teams.staff.title')}</h1>
      <p className="muted">{t('teams.staff.intro')}</p>
      {params.get('done') === 'hidden' ? <p role="status">{t('teams.staff.hidden')}</p> : null}
      {r?.errors.form ? (
        <p className="error-summary" role="alert">
          {t(r.errors.form)}
        </p>
      ) : null}
      {teams.length === 0 ? <p>{t('teams.staff.none')}</p> : null}
      <ul className="update-list">
        {teams.map((team) => (
          <li key={team.id} className="card">
            <h2>{team.hidden ? team.title : <Link to={`/teams/${team.code}`}>{team.title}</Link>}</h2>
            <p className="muted">
              {locale === 'en' ? team.campaignTitleEn || team.campaignTitle : team.campaignTitle} · {team.ownerName} ·{' '}
              {formatDateTime(team.createdAt, locale)} · {formatMoney(team.raised, team.currency, locale)} /{' '}
              {formatMoney(team.goalAmount, team.currency, locale)}
            </p>
            {team.message ? <p>{team.message}</p> : null}
            {team.hidden ? (
              <p className="status status-due">
                {t('teams.staff.isHidden')}
                {team.hiddenAt ? ` · ${formatDateTime(team.hiddenAt, locale)}` : ''}
                {team.hiddenReason ? ` · ${team.hiddenReason}` : ''}
              </p>
            ) : (
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="hide" />
                <input type="hidden" name="teamId" value={team.id} />
                <div className="field">
                  <label htmlFor={`reason-${team.id}`}>{t('teams.staff.reason')}</label>
                  <input
                    id={`reason-${team.id}`}
                    name="reason"
                    maxLength={300}
                    required
                    aria-invalid={r?.teamId === String(team.id) && r.errors.reason ? true : undefined}
                    aria-describedby={
                      r?.teamId === String(team.id) && r.errors.reason ? `reason-${team.id}-error` : undefined
                    }
                  />
                  {r?.teamId === String(team.id) && r.errors.reason ? (
                    <span id={`reason-${team.id}-error`} className="field-error" role="alert">
                      {t(r.errors.reason)}
                    </span>
                  ) : null}
                </div>
                <button type="submit" className="button secondary">
                  {t('teams.staff.hide')}
                </button>
              </Form>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}

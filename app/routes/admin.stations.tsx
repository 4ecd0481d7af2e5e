import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { Field, SelectField } from '~/components/admin/Field'
import { clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import {
  addStation,
  deleteStation,
  renameStation,
  setStationActive,
  stationTree,
  type StationNode,
} from '~/modules/stations/admin.server'
import {
  AddStation,
  RenameStation,
  STATION_LEVELS,
  StationCommand,
  StationIntent,
  stationIssues,
} from '~/modules/stations/schema'
import { getDb } from '~/utils/db.server'
import type { MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { isRefusal } from '~/utils/refusal'

export const access = { loader: 'stations.manage', action: 'stations.manage' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  return { stations: await stationTree(getDb(), stationScope(staff, access.loader)) }
}

type Result = {
  errors: Record<string, MessageKey>
  stationId?: string
  intent?: string
  values?: Record<string, string>
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const actor = { id: staff.id, ip: clientIp(context), scope: stationScope(staff, access.action) }
  const form = await request.formData()
  const values: Record<string, string> = {}
  for (const [k, v] of form.entries()) if (typeof v === 'string') values[k] = v.slice(0, 300)
  const target = values.parentId ?? values.stationId
  const answer = (errors: Record<string, MessageKey>, status: number) =>
    data({ errors, stationId: target, intent: values.intent, values } satisfies Result, { status })
  const intent = StationIntent.safeParse(values.intent)
  if (!intent.success) return answer({ form: 'stations.error.intent' }, 400)
  const db = getDb()
  try {
    if (intent.data === 'add') {
      const parsed = AddStation.safeParse(values)
      if (!parsed.success) return answer(stationIssues(parsed.error), 400)
      await addStation(db, actor, parsed.data)
    } else if (intent.data === 'rename') {
      const parsed = RenameStation.safeParse(values)
      if (!parsed.success) return answer(stationIssues(parsed.error), 400)
      await renameStation(db, actor, parsed.data)
    } else {
      const parsed = StationCommand.safeParse(values)
      if (!parsed.success) return answer(stationIssues(parsed.error), 400)
      const { stationId } = parsed.data
      if (intent.data === 'delete') await deleteStation(db, actor, stationId)
      else await setStationActive(db, actor, { stationId, active: intent.data === 'reactivate' })
    }
  } catch (e) {
    if (isRefusal(e)) return answer({ [e.field ?? 'form']: e.messageKey }, e.status)
    throw e
  }
  return redirect(`/admin/stations?done=${intent.data}`)
}

function StationItem({ s, result }: { s: StationNode; result?: Result }) {
  const t = useT()
  const locale = useLocale()
  const mine = result && result.stationId === String(s.id)
  const err = (intent: string, f: string) =>
    mine && result.intent === intent && result.errors[f] ? t(result.errors[f]) : undefined
  const formError = mine ? result.errors.form : undefined
  const v = mine && result.values ? result.values : {}
  const childLevels = STATION_LEVELS.slice(STATION_LEVELS.indexOf(s.level) + 1)
  const name = locale === 'en' ? s.nameEn : s.name
  return (
    <li className={`station depth-${Math.min(s.depth, 4)}`}>
      <p>
        <strong>{name}</strong> · {t(`stations.level.${s.level}`)} · {t('stations.codeLabel', { code: s.code })}
        {s.active ? null : <span className="tag"> {t('stations.inactive')}</span>}
        <br />
        <span className="muted">
          {t('stations.counts', { staff: s.staff, students: s.students, batches: s.batches })}
        </span>
      </p>
      {formError ? (
        <p className="field-error" role="alert">
          {t(formError)}
        </p>
      ) : null}
      <details open={Boolean(mine)}>
        <summary>{t('stations.manage', { name })}</summary>
        <Form method="post" className="form-narrow" noValidate>
          <input type="hidden" name="stationId" value={s.id} />
          <Field
            id={`rename-name-${s.id}`}
            name="name"
            label={t('stations.name')}
            defaultValue={v.intent === 'rename' ? v.name : s.name}
            error={err('rename', 'name')}
          />
          <Field
            id={`rename-nameEn-${s.id}`}
            name="nameEn"
            label={t('stations.nameEn')}
            defaultValue={v.intent === 'rename' ? v.nameEn : s.nameEn}
            error={err('rename', 'nameEn')}
          />
          <button type="submit" name="intent" value="rename" className="button">
            {t('stations.rename')}
          </button>
        </Form>
        <div className="inline-actions">
          <Form method="post">
            <input type="hidden" name="stationId" value={s.id} />
            <button type="submit" name="intent" value={s.active ? 'deactivate' : 'reactivate'} className="button">
              {s.active ? t('stations.deactivate') : t('stations.reactivate')}
            </button>
          </Form>
          {s.staff + s.students + s.batches === 0 ? (
            <Form method="post">
              <input type="hidden" name="stationId" value={s.id} />
              <button type="submit" name="intent" value="delete" className="button button-danger">
                {t('stations.delete')}
              </button>
            </Form>
          ) : null}
        </div>
        {s.active && childLevels.length ? (
          <Form method="post" className="form-narrow" noValidate>
            <h3>{t('stations.addChild', { name })}</h3>
            <input type="hidden" name="parentId" value={s.id} />
            <SelectField
              name="level"
              label={t('stations.level')}
              defaultValue={v.intent === 'add' ? v.level : childLevels[0]}
              error={err('add', 'level')}
              options={childLevels.map((l) => ({ value: l, label: t(`stations.level.${l}`) }))}
              id={`add-level-${s.id}`}
            />
            <Field
              id={`add-name-${s.id}`}
              name="name"
              label={t('stations.name')}
              defaultValue={v.intent === 'add' ? v.name : ''}
              error={err('add', 'name')}
            />
            <Field
              id={`add-nameEn-${s.id}`}
              name="nameEn"
              label={t('stations.nameEn')}
              defaultValue={v.intent === 'add' ? v.nameEn : ''}
              error={err('add', 'nameEn')}
            />
            <Field
              id={`add-code-${s.id}`}
              name="code"
              label={t('stations.code')}
              hint={t('stations.codeHint')}
              inputMode="numeric"
              defaultValue={v.intent === 'add' ? v.code : ''}
              error={err('add', 'code')}
            />
            <button type="submit" name="intent" value="add" className="button">
              {t('stations.add')}
            </button>
          </Form>
        ) : null}
      </details>
    </li>
  )
}

export default function Stations() {
  const { stations } = useLoaderData<typeof loader>()
  const result = useActionData<Result>()
  const [search] = useSearchParams()
  const t = useT()
  const done = search.get('done')
  return (
    <section>
      <h1>{t('stations.title')}</h1>
      <p className="muted">{t('stations.note')}</p>
      {done && !result ? (
        <p role="status" className="notice">
          {t('stations.done')}
        </p>
      ) : null}
      {result?.errors.form && !result.stationId ? (
        <p className="error-summary" role="alert">
          {t(result.errors.form)}
        </p>
      ) : null}
      <ul className="station-tree">
        {stations.map((s) => (
          <StationItem key={s.id} s={s} result={result} />
        ))}
      </ul>
    </section>
  )
}

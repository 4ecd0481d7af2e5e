import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { Field } from '~/components/admin/Field'
import { clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { UpdateId, UpdateInput, updateIssues } from '~/modules/campaigns/updates-schema'
import {
  approveUpdate,
  campaignsForUpdates,
  createUpdate,
  listUpdatesForStaff,
} from '~/modules/campaigns/updates.server'
import { preparePhoto, readPhotoUpload } from '~/modules/campaigns/update-photos.server'
import { UpdatePhotos } from '~/components/campaign-updates'
import { getDb } from '~/utils/db.server'
import { formatDateTime, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { isRefusal } from '~/utils/refusal'

// Progress updates (执行反馈): write one, or approve a colleague's. Approval publishes it
// and mails every donor of the campaign; nobody approves their own.
export const access = { loader: 'updates.write', action: 'updates.write' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const scope = stationScope(staff, access.loader)
  const db = getDb()
  return {
    me: staff.id,
    campaigns: await campaignsForUpdates(db, scope),
    updates: await listUpdatesForStaff(db, scope),
  }
}

type Result = { errors: Record<string, MessageKey>; values?: Record<string, string> }

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  let form: FormData
  try {
    form = await request.formData()
  } catch {
    return data<Result>({ errors: { form: 'updates.error.invalid' } }, { status: 400 })
  }
  const values = Object.fromEntries(
    [...form.entries()].filter(([, v]) => typeof v === 'string').map(([k, v]) => [k, String(v).slice(0, 6000)]),
  )
  const actor = { id: staff.id, scope: stationScope(staff, access.action), ip: clientIp(context) }
  const db = getDb()
  try {
    if (values.intent === 'create') {
      const parsed = UpdateInput.safeParse(values)
      if (!parsed.success) return data<Result>({ errors: updateIssues(parsed.error), values }, { status: 400 })
      // A photo only of a child whose guardian consented to photos; refused on its field otherwise.
      const upload = await readPhotoUpload(form)
      const photos = upload ? [await preparePhoto(db, actor.scope, upload)] : []
      await createUpdate(db, actor, { ...parsed.data, photos })
      return redirect('/admin/updates?done=created')
    }
    if (values.intent === 'approve') {
      const id = UpdateId.safeParse(values.updateId)
      if (!id.success) return data<Result>({ errors: { form: 'updates.error.notFound' } }, { status: 400 })
      const { queued } = await approveUpdate(db, actor, id.data)
      return redirect(`/admin/updates?done=approved&mailed=${queued}`)
    }
    return data<Result>({ errors: { form: 'updates.error.invalid' } }, { status: 400 })
  } catch (e) {
    if (isRefusal(e))
      return data<Result>({ errors: { [e.field ?? 'form']: e.messageKey }, values }, { status: e.status })
    throw e
  }
}

export default function AdminUpdates() {
  const { me, campaigns, updates } = useLoaderData<typeof loader>()
  const r = useActionData<Result>()
  const [params] = useSearchParams()
  const t = useT()
  const locale = useLocale()
  const err = (f: string) => (r?.errors[f] ? t(r.errors[f]) : undefined)
  const done = params.get('done')
  return (
    <section>
      <h1>{t('updates.staff.title')}</h1>
      <p className="muted">{t('updates.staff.intro')}</p>
      {done === 'created' ? <p role="status">{t('updates.staff.created')}</p> : null}
      {done === 'approved' ? (
        <p role="status">{t('updates.staff.approved', { count: Number(params.get('mailed')) || 0 })}</p>
      ) : null}
      {err('form') ? (
        <p className="error-summary" role="alert">
          {err('form')}
        </p>
      ) : null}
      <h2>{t('updates.staff.list')}</h2>
      {updates.length === 0 ? <p>{t('updates.staff.none')}</p> : null}
      <ul className="update-list">
        {updates.map((u) => (
          <li key={u.id} className="card" data-status={u.status}>
            <h3>{u.title}</h3>
            <p className="muted">
              {locale === 'en' ? u.campaign.titleEn : u.campaign.title} ·{' '}
              {t('updates.staff.by', { name: u.authorName })} · {formatDateTime(u.createdAt, locale)}
            </p>
            <p style={{ whiteSpace: 'pre-line' }}>{u.body}</p>
            <UpdatePhotos photos={u.photos} alt={t('updates.photoAlt')} />
            {u.status === 'approved' ? (
              <p className="status status-complete">
                {t('updates.staff.status.approved')}
                {u.approvedAt ? ` · ${formatDateTime(u.approvedAt, locale)}` : ''}
              </p>
            ) : u.authorId === me ? (
              <p className="status status-due">{t('updates.staff.waitingForColleague')}</p>
            ) : (
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="approve" />
                <input type="hidden" name="updateId" value={u.id} />
                <button type="submit" className="button">
                  {t('updates.staff.approve')}
                </button>
              </Form>
            )}
          </li>
        ))}
      </ul>
      {campaigns.length > 0 ? (
        <Form method="post" noValidate className="form-narrow" encType="multipart/form-data">
          <h2>{t('updates.staff.new')}</h2>
          <input type="hidden" name="intent" value="create" />
          <div className="field">
            <label htmlFor="f-campaignId">{t('updates.staff.campaign')}</label>
            <select
              id="f-campaignId"
              name="campaignId"
              defaultValue={r?.values?.campaignId}
              aria-invalid={err('campaignId') ? true : undefined}
              aria-describedby={err('campaignId') ? 'f-campaignId-error' : undefined}
            >
              {campaigns.map((c) => (
                <option key={c.id} value={c.id}>
                  {locale === 'en' ? c.titleEn : c.title}
                </option>
              ))}
            </select>
            {err('campaignId') ? (
              <span id="f-campaignId-error" className="field-error" role="alert">
                {err('campaignId')}
              </span>
            ) : null}
          </div>
          <Field
            name="title"
            label={t('updates.staff.titleLabel')}
            required
            maxLength={120}
            defaultValue={r?.values?.title}
            error={err('title')}
          />
          <div className="field">
            <label htmlFor="f-body">{t('updates.staff.body')}</label>
            <span id="f-body-hint" className="muted">
              {t('updates.staff.bodyHint')}
            </span>
            <textarea
              id="f-body"
              name="body"
              rows={8}
              maxLength={5000}
              required
              defaultValue={r?.values?.body}
              aria-invalid={err('body') ? true : undefined}
              aria-describedby={err('body') ? 'f-body-hint f-body-error' : 'f-body-hint'}
            />
            {err('body') ? (
              <span id="f-body-error" className="field-error" role="alert">
                {err('body')}
              </span>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor="f-photo">{t('updates.staff.photo')}</label>
            <span id="f-photo-hint" className="muted">
              {t('updates.staff.photoHint')}
            </span>
            <input
              id="f-photo"
              name="photo"
              type="file"
              accept="image/jpeg,image/png,image/webp"
              aria-invalid={err('photo') ? true : undefined}
              aria-describedby={err('photo') ? 'f-photo-hint f-photo-error' : 'f-photo-hint'}
            />
            {err('photo') ? (
              <span id="f-photo-error" className="field-error" role="alert">
                {err('photo')}
              </span>
            ) : null}
          </div>
          <Field
            name="photoStudent"
            label={t('updates.staff.photoStudent')}
            maxLength={40}
            defaultValue={r?.values?.photoStudent}
            error={err('photoStudent')}
          />
          <button type="submit" className="button">
            {t('updates.staff.submit')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}

import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { Field } from '~/components/admin/Field'
import { clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { IdParam } from '~/modules/auth/schema'
import { donorHoldings, eraseDonor } from '~/modules/donations/donor-privacy.server'
import { getDb } from '~/utils/db.server'
import { formValues, notFound, refusalData } from '~/utils/http.server'
import { useT } from '~/utils/locale'
import { Refusal } from '~/utils/refusal'

// A donor's PIPL requests: the JSON export (privacy.json beside this page) and erasure.
// Admins only: both hand over or destroy a person's data, which the foundation's
// data-protection officer answers for; finance reads donors but does not decide this.
export const access = { loader: 'donors.privacy', action: 'donors.privacy' } satisfies RouteAccess

const Done = z.object({
  d: z.coerce.number().int().min(0),
  w: z.coerce.number().int().min(0),
  k: z.coerce.number().int().min(0),
})

export async function loader({ request, params }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const held = await donorHoldings(getDb(), id.data)
  if (!held) throw notFound()
  const done = Done.safeParse(Object.fromEntries(new URL(request.url).searchParams))
  return { id: id.data, ...held, done: done.success ? done.data : null }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (!hasRootScope(staff, access.action)) throw notFound()
  const id = IdParam.safeParse(params.id)
  if (!id.success) throw notFound()
  const db = getDb()
  const held = await donorHoldings(db, id.data)
  if (!held) throw notFound()
  const form = formValues(await request.formData())
  const typed = z.string().trim().toLowerCase().safeParse(form.confirm)
  if (held.erased || !typed.success || typed.data !== held.email.toLowerCase())
    return refusalData(new Refusal('privacy.confirmWrong', { field: 'confirm' }))
  const result = await eraseDonor(db, { donorId: id.data, actorUserId: staff.id, ip: clientIp(context) })
  if (!result) throw notFound()
  return redirect(
    `/admin/donors/${id.data}/privacy?d=${result.donations}&w=${result.withdrawnNames}&k=${result.keptInLedger}`,
  )
}

export default function DonorPrivacy() {
  const { id, email, erased, gifts, receipts, mails, done } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const confirmError = result?.errors?.confirm
  return (
    <section>
      <p>
        <Link to={`/admin/donors/${id}`}>{t('privacy.back')}</Link>
      </p>
      <h1>{t('privacy.title', { email })}</h1>
      {done ? (
        <p role="status">
          {t('privacy.erased', { donations: done.d, withdrawn: done.w })}
          {done.k ? ` ${t('privacy.keptInLedger', { n: done.k })}` : ''}
        </p>
      ) : null}
      <p>{t('privacy.intro')}</p>
      <h2>{t('privacy.held')}</h2>
      <p>{t('privacy.heldGifts', { n: gifts, receipts, mails })}</p>
      <p>
        <a href={`/admin/donors/${id}/privacy.json`} download>
          {t('privacy.export')}
        </a>
      </p>
      {erased ? null : (
        <Form method="post" noValidate className="form-narrow">
          <h2>{t('privacy.erase')}</h2>
          <p>{t('privacy.eraseWarn')}</p>
          <Field
            name="confirm"
            type="email"
            autoComplete="off"
            label={t('privacy.confirm')}
            required
            error={confirmError ? t(confirmError) : undefined}
          />
          <button type="submit" className="button danger">
            {t('privacy.erase')}
          </button>
        </Form>
      )}
    </section>
  )
}

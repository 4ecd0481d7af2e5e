import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { Field } from '~/components/admin/Field'
import { can, clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { issuesByField } from '~/modules/beneficiaries/schema'
import { fileBytes, MAX_PROOF_BYTES } from '~/modules/disbursements/uploads.server'
import { WishInput } from '~/modules/wishes/schema'
import { createWish, fulfilWish, listWishesForStaff } from '~/modules/wishes/wishes.server'
import { studentIdByCode } from '~/modules/stations/students.server'
import { getDb } from '~/utils/db.server'
import { formValues, refusalData, type RefusalBody } from '~/utils/http.server'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { isRefusal, Refusal } from '~/utils/refusal'

// Micro-wishes in the caller's area: post one, see holds and money raised, mark fulfilled with proof.
export const access = { loader: 'disbursements.read', action: 'wishes.manage' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  return {
    wishes: await listWishesForStaff(getDb(), stationScope(staff, access.loader)),
    manage: can(staff, 'wishes.manage'),
    now: new Date().toISOString(),
  }
}

const NO_VALUES: Record<string, string> = {}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (Number(request.headers.get('content-length') ?? 0) > MAX_PROOF_BYTES + 64 * 1024)
    return refusalData(new Refusal('upload.error.tooLarge', { status: 413 }), { values: NO_VALUES })
  const form = await request.formData()
  const db = getDb()
  const actor = { id: staff.id, scope: stationScope(staff, access.action), ip: clientIp(context) }
  const values = formValues(form)
  try {
    switch (values.intent) {
      case 'fulfil': {
        const proof = await fileBytes(form.get('proof'))
        if (!proof) return refusalData(new Refusal('upload.error.missing'), { values })
        if ((await fulfilWish(db, actor, { wishId: Number(values.wishId) || 0, proof })) === 'notFound')
          return refusalData(new Refusal('wishes.error.unavailable', { status: 409 }), { values })
        return redirect('/admin/wishes')
      }
      case 'create': {
        const student = await studentIdByCode(db, values.code ?? '')
        const parsed = WishInput.safeParse({ ...values, beneficiaryId: student ?? 0 })
        if (!parsed.success)
          return data<RefusalBody & { values: typeof values }>(
            { errors: issuesByField(parsed.error), values },
            { status: 400 },
          )
        await createWish(db, actor, parsed.data)
        return redirect('/admin/wishes')
      }
      default:
        return refusalData(new Refusal('students.error.invalid'), { values })
    }
  } catch (e) {
    if (isRefusal(e)) return refusalData(e, { values })
    throw e
  }
}

export default function StaffWishes() {
  const { wishes, manage, now } = useLoaderData<typeof loader>()
  const r = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const err = (f: string) => {
    // A refusal of the whole form (not one field) is shown at the top, as `form`.
    const key = f === 'form' ? (r?.error ?? r?.errors?.form) : r?.errors?.[f]
    return key ? t(key, r?.params) : undefined
  }
  // A refused proof is shown on the file field of the wish it was for.
  const proofError = (wishId: number) => (r?.values?.wishId === String(wishId) ? err('proof') : undefined)
  return (
    <section>
      <h1>{t('wishes.staffTitle')}</h1>
      {err('form') ? (
        <p className="error-summary" role="alert">
          {err('form')}
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t('wishes.student')}</th>
            <th scope="col">{t('wishes.item')}</th>
            <th scope="col">{t('wishes.price')}</th>
            <th scope="col">{t('wishes.raised')}</th>
            <th scope="col">{t('batches.status')}</th>
            {manage ? <th scope="col">{t('wishes.fulfil')}</th> : null}
          </tr>
        </thead>
        <tbody>
          {wishes.map((w) => (
            <tr key={w.id}>
              <td>{w.id}</td>
              <td>{w.publicCode}</td>
              <td>{w.item}</td>
              <td>{formatMoney(w.price, w.currency, locale)}</td>
              <td>{formatMoney(w.raised, w.currency, locale)}</td>
              <td>
                {w.status === 'fulfilled'
                  ? t('wishes.fulfilled')
                  : w.raised >= w.price
                    ? t('wishes.funded')
                    : w.heldUntil && w.heldUntil > now
                      ? t('wishes.held')
                      : t('sponsorships.status.active')}
              </td>
              {manage ? (
                <td>
                  {w.status === 'open' && w.raised > 0 ? (
                    <Form method="post" encType="multipart/form-data">
                      <input type="hidden" name="intent" value="fulfil" />
                      <input type="hidden" name="wishId" value={w.id} />
                      <label htmlFor={`proof-${w.id}`}>{t('wishes.proof')}</label>
                      <input
                        id={`proof-${w.id}`}
                        name="proof"
                        type="file"
                        accept="application/pdf,image/jpeg,image/png"
                        required
                        aria-invalid={proofError(w.id) ? true : undefined}
                        aria-describedby={proofError(w.id) ? `proof-${w.id}-error` : undefined}
                      />
                      {proofError(w.id) ? (
                        <span className="field-error" role="alert" id={`proof-${w.id}-error`}>
                          {proofError(w.id)}
                        </span>
                      ) : null}
                      <button type="submit" className="button">
                        {t('wishes.fulfil')}
                      </button>
                    </Form>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {manage ? (
        <Form method="post" noValidate className="form-narrow">
          <h2>{t('wishes.new')}</h2>
          <input type="hidden" name="intent" value="create" />
          <Field
            name="code"
            label={t('wishes.student')}
            required
            defaultValue={r?.values?.code}
            error={err('beneficiaryId')}
          />
          <Field
            name="item"
            label={t('wishes.item')}
            required
            maxLength={40}
            defaultValue={r?.values?.item}
            error={err('item')}
          />
          <div className="field">
            <label htmlFor="f-story">{t('wishes.story')}</label>
            <textarea
              id="f-story"
              name="story"
              rows={3}
              maxLength={200}
              defaultValue={r?.values?.story}
              aria-invalid={err('story') ? true : undefined}
              aria-describedby={err('story') ? 'f-story-error' : undefined}
            />
            {err('story') ? (
              <span id="f-story-error" className="field-error" role="alert">
                {err('story')}
              </span>
            ) : null}
          </div>
          <Field
            name="price"
            label={t('wishes.pricePlaceholder')}
            inputMode="decimal"
            required
            defaultValue={r?.values?.price}
            error={err('price')}
          />
          <button type="submit" className="button">
            {t('wishes.post')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}

import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { parseBatchLines, prepareBatch } from '~/modules/disbursements/batches.server'
import { getProgramme, listProgrammes } from '~/modules/programmes/programmes.server'
import { listStationsInScope } from '~/modules/stations/stations.server'
import { getDb } from '~/utils/db.server'
import { formValues, refusalData } from '~/utils/http.server'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney, formatMoneyParams, parseMoney } from '~/utils/money'
import { isRefusal, Refusal } from '~/utils/refusal'

export const access = { loader: 'disbursements.prepare', action: 'disbursements.prepare' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const stations = await listStationsInScope(getDb(), stationScope(staff, access.loader))
  const programmes = (await listProgrammes(getDb())).filter(
    (p) => p.kind === 'scholarship' || p.kind === 'sponsorship' || p.kind === 'relief',
  )
  return {
    // A deactivated station takes no new batch (the server refuses one too).
    stations: stations
      .filter((s) => s.active)
      .map((s) => ({ id: s.id, name: s.name, nameEn: s.nameEn, depth: s.depth })),
    programmes,
  }
}

const STUDENTS_MAX = 20_000
const PrepareForm = z.object({
  programmeId: z.coerce.number().int().positive(),
  term: z.string().trim().max(20),
  stationId: z.coerce.number().int().positive(),
  campaignId: z.string().optional(),
  students: z.string().max(STUDENTS_MAX),
})

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  // The students box holds one line per award: it alone may be that long.
  const values = formValues(await request.formData(), STUDENTS_MAX)
  const parsed = PrepareForm.safeParse(values)
  if (!parsed.success) return refusalData(new Refusal('batches.error.programme'), { values })
  const db = getDb()
  try {
    const programme = await getProgramme(db, parsed.data.programmeId)
    if (!programme) return refusalData(new Refusal('batches.error.programme'), { values })
    const lines = await parseBatchLines(db, {
      text: parsed.data.students,
      awardAmount: programme.awardAmount,
      parseAmount: (s) => parseMoney(s, programme.currency),
    })
    const id = await prepareBatch(
      db,
      { id: staff.id, scope: stationScope(staff, access.action), ip: clientIp(context) },
      {
        programmeId: programme.id,
        term: parsed.data.term,
        stationId: parsed.data.stationId,
        campaignId: parsed.data.campaignId ? Number(parsed.data.campaignId) || null : null,
        lines,
      },
    )
    return redirect(`/admin/batches/${id}`)
  } catch (e) {
    if (isRefusal(e)) return refusalData(e, { values })
    throw e
  }
}

export default function NewBatch() {
  const { stations, programmes } = useLoaderData<typeof loader>()
  const r = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const v = r?.values ?? {}
  const params =
    r?.params &&
    formatMoneyParams(r.params, ['available', 'requested', 'max'], String(r.params.currency ?? 'CNY'), locale)
  return (
    <section>
      <h1>{t('batches.new')}</h1>
      {r?.error ? (
        <p className="error-summary" role="alert" id="batch-error">
          {t(r.error, params)}
        </p>
      ) : null}
      <Form method="post" noValidate className="form-narrow" aria-describedby={r?.error ? 'batch-error' : undefined}>
        <div className="field">
          <label htmlFor="programmeId">{t('batches.programme')}</label>
          <select id="programmeId" name="programmeId" defaultValue={v.programmeId}>
            {programmes.map((p) => (
              <option key={p.id} value={p.id}>
                {locale === 'en' ? p.nameEn : p.name} · {formatMoney(p.awardAmount, p.currency, locale)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="term">{t('batches.term')}</label>
          <input id="term" name="term" list="terms" defaultValue={v.term ?? programmes[0]?.terms.at(-1)} />
          <datalist id="terms">
            {[...new Set(programmes.flatMap((p) => p.terms))].map((term) => (
              <option key={term} value={term} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="stationId">{t('batches.station')}</label>
          <select
            id="stationId"
            name="stationId"
            defaultValue={v.stationId}
            aria-invalid={r?.errors?.stationId ? true : undefined}
            aria-describedby={r?.errors?.stationId ? 'stationId-error' : undefined}
          >
            {stations.map((s) => (
              <option key={s.id} value={s.id}>
                {'—'.repeat(s.depth)} {locale === 'en' ? s.nameEn : s.name}
              </option>
            ))}
          </select>
          {r?.errors?.stationId ? (
            <span id="stationId-error" className="field-error" role="alert">
              {t(r.errors.stationId, params)}
            </span>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="campaignId">{t('batches.campaign')}</label>
          <select id="campaignId" name="campaignId" defaultValue={v.campaignId}>
            <option value="">{t('batches.campaignNone')}</option>
            {programmes.flatMap((p) =>
              p.campaigns.map((c) => (
                <option key={c.id} value={c.id}>
                  {locale === 'en' ? `${p.nameEn}: ${c.titleEn}` : `${p.name}：${c.title}`}
                </option>
              )),
            )}
          </select>
        </div>
        <div className="field">
          <label htmlFor="students">{t('batches.students')}</label>
          <textarea id="students" name="students" rows={8} defaultValue={v.students} />
        </div>
        <button type="submit" className="button">
          {t('batches.prepare')}
        </button>
      </Form>
    </section>
  )
}

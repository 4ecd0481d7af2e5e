import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { parseBatchLines, prepareBatch } from '~/modules/disbursements/batches.server'
import { campaignBalances, pickerFor, PICK_MAX } from '~/modules/disbursements/picker.server'
import { getProgramme, listProgrammes } from '~/modules/programmes/programmes.server'
import { BatchPicker } from '~/components/admin/batch-picker'
import { listStationsInScope } from '~/modules/stations/stations.server'
import { getDb } from '~/utils/db.server'
import { formValues, refusalData } from '~/utils/http.server'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney, formatMoneyParams, parseMoney } from '~/utils/money'
import { isRefusal, Refusal } from '~/utils/refusal'

export const access = { loader: 'disbursements.prepare', action: 'disbursements.prepare' } satisfies RouteAccess

// "Show students" submits the same form by GET: the picker works without JavaScript.
const PickerQuery = z.object({
  programmeId: z.coerce.number().int().positive().optional().catch(undefined),
  term: z.string().trim().max(20).optional().catch(undefined),
  stationId: z.coerce.number().int().positive().optional().catch(undefined),
  campaignId: z.coerce.number().int().positive().optional().catch(undefined),
  q: z.string().trim().max(40).optional().catch(undefined),
  students: z.string().max(2000).optional().catch(undefined),
})
const Picks = z
  .array(
    z
      .string()
      .trim()
      .regex(/^[A-Z]{2}-[0-9A-Z-]{1,40}$/),
  )
  .max(PICK_MAX)

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const db = getDb()
  const scope = stationScope(staff, access.loader)
  const stations = (await listStationsInScope(db, scope)).filter((s) => s.active)
  const programmes = (await listProgrammes(db)).filter(
    (p) => p.kind === 'scholarship' || p.kind === 'sponsorship' || p.kind === 'relief',
  )
  const url = new URL(request.url)
  const query = PickerQuery.parse(Object.fromEntries(url.searchParams))
  const picks = Picks.catch([]).parse(url.searchParams.getAll('pick'))
  const searched = url.searchParams.has('programmeId')
  const programme = programmes.find((p) => p.id === query.programmeId)
  const picker =
    searched && programme && query.stationId
      ? await pickerFor(db, scope, {
          programme,
          term: query.term ?? '',
          stationId: query.stationId,
          campaignId: query.campaignId ?? null,
          q: query.q,
        })
      : null
  return {
    // A deactivated station takes no new batch (the server refuses one too).
    stations: stations.map((s) => ({ id: s.id, name: s.name, nameEn: s.nameEn, depth: s.depth })),
    programmes,
    balances: await campaignBalances(db, programmes),
    // The search's values, as the form's fields hold them.
    query: Object.fromEntries(
      Object.entries(query).map(([k, x]) => [k, x === undefined ? undefined : String(x)]),
    ) as Record<keyof typeof query, string | undefined>,
    picks,
    picker,
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
  const form = await request.formData()
  const values = formValues(form, STUDENTS_MAX)
  const parsed = PrepareForm.safeParse(values)
  const picked = Picks.safeParse(form.getAll('pick'))
  if (!parsed.success || !picked.success) return refusalData(new Refusal('batches.error.programme'), { values })
  const db = getDb()
  try {
    const programme = await getProgramme(db, parsed.data.programmeId)
    if (!programme) return refusalData(new Refusal('batches.error.programme'), { values })
    const lines = await parseBatchLines(db, {
      // Ticked students get the programme's award; typed lines may say an amount.
      text: [...picked.data, parsed.data.students].join('\n'),
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
  const { stations, programmes, balances, query, picks, picker } = useLoaderData<typeof loader>()
  const r = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const v: Record<string, string | undefined> = r?.values ?? query
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
                  {balances[c.id] !== undefined
                    ? ` · ${t('picker.fundOption', { amount: formatMoney(balances[c.id]!, p.currency, locale) })}`
                    : ''}
                </option>
              )),
            )}
          </select>
        </div>
        <BatchPicker picker={picker} picks={picks} q={query.q} />
        <div className="field">
          <label htmlFor="students">{t('picker.typed')}</label>
          <textarea id="students" name="students" rows={4} defaultValue={v.students} />
        </div>
        <button type="submit" className="button">
          {t('batches.prepare')}
        </button>
      </Form>
    </section>
  )
}

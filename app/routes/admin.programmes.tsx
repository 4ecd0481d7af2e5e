import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { Field, SelectField } from '~/components/admin/Field'
import { can, clientIp, requireStaff, stationScope } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { CATEGORIES } from '~/modules/beneficiaries/schema'
import {
  createProgramme,
  linkableCampaigns,
  listProgrammes,
  programmeFunding,
  setCampaignProgramme,
  updateProgramme,
  type Programme,
} from '~/modules/programmes/programmes.server'
import {
  ProgrammeInput,
  ProgrammeIntent,
  programmeIssues,
  ProgrammeLink,
  ProgrammeUpdate,
} from '~/modules/programmes/schema'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { codeKey, type MessageKey } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { termLabel } from '~/utils/words'
import { formatMoney, toDecimalString } from '~/utils/money'
import { isRefusal } from '~/utils/refusal'

export const access = { loader: 'disbursements.read', action: 'programmes.manage' } satisfies RouteAccess

export async function loader({ request }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  const db = getDb()
  const programmes = await listProgrammes(db)
  const canManage = can(staff, 'programmes.manage')
  return {
    programmes,
    funding: Object.fromEntries(await programmeFunding(db, programmes)),
    campaigns: canManage ? await linkableCampaigns(db, stationScope(staff, 'programmes.manage')) : [],
    canManage,
    currencies: getEnv().CURRENCIES,
  }
}

type Result = {
  errors: Record<string, MessageKey>
  params?: Record<string, string | number>
  intent?: string
  programmeId?: string
  values: Record<string, string>
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  const actor = { id: staff.id, ip: clientIp(context), scope: stationScope(staff, access.action) }
  const form = await request.formData()
  const values = Object.fromEntries(
    [...form.entries()].filter(([, v]) => typeof v === 'string').map(([k, v]) => [k, String(v).slice(0, 300)]),
  )
  const answer = (errors: Record<string, MessageKey>, status: number, params?: Record<string, string | number>) =>
    data({ errors, params, intent: values.intent, programmeId: values.programmeId, values } satisfies Result, {
      status,
    })
  // The create form predates intents: no intent means create.
  const intent = ProgrammeIntent.safeParse(values.intent ?? 'create')
  if (!intent.success) return answer({ form: 'programmes.error.intent' }, 400)
  const db = getDb()
  const categories = form.getAll('eligibleCategories').map(String)
  try {
    if (intent.data === 'create') {
      const parsed = ProgrammeInput.safeParse({ ...values, eligibleCategories: categories })
      if (!parsed.success) return answer(programmeIssues(parsed.error), 400)
      await createProgramme(db, actor, parsed.data)
    } else if (intent.data === 'update') {
      const parsed = ProgrammeUpdate.safeParse({ ...values, eligibleCategories: categories })
      if (!parsed.success) return answer(programmeIssues(parsed.error), 400)
      await updateProgramme(db, actor, parsed.data)
    } else {
      const parsed = ProgrammeLink.safeParse(values)
      if (!parsed.success) return answer(programmeIssues(parsed.error), 400)
      const { campaignId, programmeId } = parsed.data
      await setCampaignProgramme(
        db,
        actor,
        intent.data === 'link'
          ? { campaignId, programmeId }
          : { campaignId, programmeId: null, expectProgrammeId: programmeId },
      )
    }
  } catch (e) {
    if (isRefusal(e)) return answer({ [e.field ?? 'form']: e.messageKey }, e.status, e.params)
    throw e
  }
  return redirect(`/admin/programmes?done=${intent.data}`)
}

function CategoryBoxes({ prefix, checked, error }: { prefix: string; checked: string[]; error?: string }) {
  const t = useT()
  return (
    <fieldset>
      <legend>{t('programmes.eligible')}</legend>
      {CATEGORIES.map((c) => (
        <label key={c} className="choice">
          <input
            type="checkbox"
            name="eligibleCategories"
            value={c}
            id={`${prefix}-cat-${c}`}
            defaultChecked={checked.includes(c)}
          />{' '}
          {t(codeKey('category.', c))}
        </label>
      ))}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  )
}

function ProgrammeEditor({
  p,
  links,
  campaigns,
  result,
}: {
  p: Programme
  links: { campaignId: number; title: string; titleEn: string; balance: number }[]
  campaigns: { id: number; title: string; titleEn: string; currency: string }[]
  result?: Result
}) {
  const t = useT()
  const locale = useLocale()
  const mine = result?.programmeId === String(p.id) ? result : undefined
  const err = (intent: string, f: string) =>
    mine?.intent === intent && mine.errors[f] ? t(mine.errors[f], mine.params) : undefined
  const v = mine?.intent === 'update' ? mine.values : undefined
  const name = locale === 'en' ? p.nameEn : p.name
  const prefix = `p${p.id}`
  const options = campaigns
    .filter((c) => c.currency === p.currency && !links.some((l) => l.campaignId === c.id))
    .map((c) => ({ value: String(c.id), label: (locale === 'en' && c.titleEn) || c.title }))
  return (
    <details open={Boolean(mine)} className="card">
      <summary>{t('programmes.edit', { name })}</summary>
      {mine?.errors.form ? (
        <p className="field-error" role="alert">
          {t(mine.errors.form, mine.params)}
        </p>
      ) : null}
      <h3>{t('programmes.funding')}</h3>
      <p className="muted">{t('programmes.fundingNote')}</p>
      {links.length === 0 ? <p>{t('programmes.noFunding')}</p> : null}
      <ul>
        {links.map((l) => (
          <li key={l.campaignId}>
            {(locale === 'en' && l.titleEn) || l.title} ·{' '}
            {t('programmes.balance', { amount: formatMoney(l.balance, p.currency, locale) })}
            <Form method="post" className="inline-form">
              <input type="hidden" name="programmeId" value={p.id} />
              <input type="hidden" name="campaignId" value={l.campaignId} />
              <button type="submit" name="intent" value="unlink" className="button">
                {t('programmes.unlink')}
              </button>
            </Form>
          </li>
        ))}
      </ul>
      {options.length ? (
        <Form method="post" className="form-narrow" noValidate>
          <input type="hidden" name="programmeId" value={p.id} />
          <SelectField
            id={`${prefix}-campaign`}
            name="campaignId"
            label={t('programmes.linkCampaign')}
            options={options}
            error={err('link', 'campaignId')}
          />
          <p className="muted">{t('programmes.linkNote')}</p>
          <button type="submit" name="intent" value="link" className="button">
            {t('programmes.link')}
          </button>
        </Form>
      ) : null}
      <Form method="post" className="form-narrow" noValidate>
        <input type="hidden" name="programmeId" value={p.id} />
        <p className="muted">{t('programmes.fixedNote')}</p>
        <Field
          id={`${prefix}-name`}
          name="name"
          label={t('programmes.name')}
          defaultValue={v?.name ?? p.name}
          error={err('update', 'name')}
        />
        <Field
          id={`${prefix}-nameEn`}
          name="nameEn"
          label={t('programmes.nameEn')}
          defaultValue={v?.nameEn ?? p.nameEn}
          error={err('update', 'nameEn')}
        />
        <Field
          id={`${prefix}-award`}
          name="awardAmount"
          label={t('programmes.award')}
          inputMode="decimal"
          defaultValue={v?.awardAmount ?? toDecimalString(p.awardAmount, p.currency)}
          error={err('update', 'awardAmount')}
        />
        <Field
          id={`${prefix}-terms`}
          name="terms"
          label={t('programmes.terms')}
          hint={t('programmes.termsHint')}
          defaultValue={v?.terms ?? p.terms.join(', ')}
          error={err('update', 'terms')}
        />
        <CategoryBoxes prefix={prefix} checked={p.eligibleCategories} error={err('update', 'eligibleCategories')} />
        <button type="submit" name="intent" value="update" className="button">
          {t('programmes.update')}
        </button>
      </Form>
    </details>
  )
}

export default function Programmes() {
  const { programmes, funding, campaigns, canManage, currencies } = useLoaderData<typeof loader>()
  const result = useActionData<Result>()
  const [search] = useSearchParams()
  const t = useT()
  const locale = useLocale()
  const creating = result && (result.intent ?? 'create') === 'create' ? result : undefined
  const err = (f: string) => (creating?.errors[f] ? t(creating.errors[f]) : undefined)
  const v = creating?.values ?? {}
  return (
    <section>
      <h1>{t('programmes.title')}</h1>
      <p className="muted">{t('programmes.capNote')}</p>
      {search.get('done') && !result ? (
        <p role="status" className="notice">
          {t('programmes.done')}
        </p>
      ) : null}
      <div className="table-scroll table-region" tabIndex={0} role="region" aria-label={t('programmes.title')}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('programmes.name')}</th>
              <th scope="col">{t('programmes.kind')}</th>
              <th scope="col">{t('programmes.award')}</th>
              <th scope="col">{t('programmes.terms')}</th>
              <th scope="col">{t('programmes.eligible')}</th>
              <th scope="col">{t('programmes.campaigns')}</th>
            </tr>
          </thead>
          <tbody>
            {programmes.map((p) => (
              <tr key={p.id}>
                <td>{locale === 'en' ? p.nameEn : p.name}</td>
                <td>{t(codeKey('programmes.kind.', p.kind))}</td>
                <td>{formatMoney(p.awardAmount, p.currency, locale)}</td>
                <td>{p.terms.map((term) => termLabel(term, locale)).join(locale === 'en' ? ', ' : '、')}</td>
                <td>{p.eligibleCategories.map((c) => t(codeKey('category.', c))).join('、')}</td>
                <td>
                  {(funding[p.id] ?? [])
                    .map(
                      (l) =>
                        `${(locale === 'en' && l.titleEn) || l.title}（${formatMoney(l.balance, p.currency, locale)}）`,
                    )
                    .join('; ') || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canManage
        ? programmes.map((p) => (
            <ProgrammeEditor key={p.id} p={p} links={funding[p.id] ?? []} campaigns={campaigns} result={result} />
          ))
        : null}
      {canManage ? (
        <Form method="post" noValidate className="form-narrow">
          <h2>{t('programmes.create')}</h2>
          <input type="hidden" name="intent" value="create" />
          <Field name="slug" label={t('programmes.slug')} required defaultValue={v.slug} error={err('slug')} />
          <SelectField
            name="kind"
            label={t('programmes.kind')}
            defaultValue={v.kind ?? 'scholarship'}
            error={err('kind')}
            options={(['scholarship', 'sponsorship', 'wish', 'relief'] as const).map((k) => ({
              value: k,
              label: t(`programmes.kind.${k}`),
            }))}
          />
          <Field name="name" label={t('programmes.name')} required defaultValue={v.name} error={err('name')} />
          <Field name="nameEn" label={t('programmes.nameEn')} required defaultValue={v.nameEn} error={err('nameEn')} />
          <SelectField
            name="currency"
            label={t('programmes.currency')}
            defaultValue={v.currency ?? 'CNY'}
            error={err('currency')}
            options={currencies.map((c) => ({ value: c, label: c }))}
          />
          <Field
            name="awardAmount"
            label={t('programmes.award')}
            inputMode="decimal"
            required
            defaultValue={v.awardAmount}
            error={err('awardAmount')}
          />
          <Field
            name="terms"
            label={t('programmes.terms')}
            hint={t('programmes.termsHint')}
            required
            defaultValue={v.terms}
            error={err('terms')}
          />
          <CategoryBoxes prefix="new" checked={[]} error={err('eligibleCategories')} />
          <button type="submit" className="button">
            {t('common.save')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}

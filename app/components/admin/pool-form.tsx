import { Form } from '@remix-run/react'
import { Field } from '~/components/admin/Field'
import { useLocale, useT } from '~/utils/locale'
import { clock } from '~/modules/matching/schema'

// The rules of a matching pool, for a new pool or to edit one (the pool's values as defaults).

type Pool = {
  id: number
  name: string
  name_en: string
  sponsor: string
  sponsor_en: string
  rule: 'ratio' | 'random'
  ratio_gift: number
  ratio_match: number
  random_min: number | null
  random_max: number | null
  min_gift: number
  cap_per_gift: number | null
  cap_per_donor_day: number | null
  cap_total: number | null
  opens_minute: number | null
  closes_minute: number | null
  starts_on: string
  ends_on: string
  status: 'active' | 'paused'
  campaignIds: number[]
}

/** Fen as the yuan a person types (50, 50.5); empty for none. */
const yuan = (n: number | null) => (n === null ? '' : String(n / 100))
const hhmm = (m: number | null) => (m === null ? '' : clock(m))

export function PoolForm(props: {
  intent: 'create' | 'update'
  heading?: string
  pool?: Pool
  campaigns: Array<{ id: number; title: string; title_en: string }>
  today: string
  err: (field: string) => string | undefined
}) {
  const t = useT()
  const locale = useLocale()
  const { pool: p, err } = props
  const k = p ? `p${p.id}-` : ''
  const id = (f: string) => `f-${k}${f}`
  return (
    <Form method="post" noValidate className="form-narrow">
      {props.heading ? <h2>{props.heading}</h2> : null}
      <input type="hidden" name="intent" value={props.intent} />
      {p ? <input type="hidden" name="poolId" value={p.id} /> : null}
      <Field
        name="name"
        id={id('name')}
        label={t('matching.name')}
        required
        maxLength={80}
        defaultValue={p?.name}
        error={err('name')}
      />
      <Field
        name="nameEn"
        id={id('nameEn')}
        label={t('matching.nameEn')}
        maxLength={120}
        defaultValue={p?.name_en}
        error={err('nameEn')}
      />
      <Field
        name="sponsor"
        id={id('sponsor')}
        label={t('matching.sponsor')}
        required
        maxLength={80}
        defaultValue={p?.sponsor}
        error={err('sponsor')}
      />
      <Field
        name="sponsorEn"
        id={id('sponsorEn')}
        label={t('matching.sponsorEn')}
        maxLength={120}
        defaultValue={p?.sponsor_en}
        error={err('sponsorEn')}
      />
      <div className="field">
        <label htmlFor={id('rule')}>{t('matching.rule')}</label>
        <select id={id('rule')} name="rule" defaultValue={p?.rule ?? 'ratio'}>
          <option value="ratio">{t('matching.rule.ratio')}</option>
          <option value="random">{t('matching.rule.random')}</option>
        </select>
      </div>
      <Field
        name="ratioGift"
        id={id('ratioGift')}
        label={t('matching.ratioGift')}
        inputMode="numeric"
        defaultValue={String(p?.ratio_gift ?? 1)}
        error={err('ratioGift')}
      />
      <Field
        name="ratioMatch"
        id={id('ratioMatch')}
        label={t('matching.ratioMatch')}
        inputMode="numeric"
        defaultValue={String(p?.ratio_match ?? 1)}
        error={err('ratioMatch')}
      />
      <Field
        name="randomMin"
        id={id('randomMin')}
        label={t('matching.randomMin')}
        inputMode="decimal"
        defaultValue={yuan(p?.random_min ?? null)}
        error={err('randomMin')}
      />
      <Field
        name="randomMax"
        id={id('randomMax')}
        label={t('matching.randomMax')}
        inputMode="decimal"
        defaultValue={yuan(p?.random_max ?? null)}
        error={err('randomMax')}
      />
      <Field
        name="minGift"
        id={id('minGift')}
        label={t('matching.minGift')}
        inputMode="decimal"
        defaultValue={p ? yuan(p.min_gift) : '1'}
        required
        error={err('minGift')}
      />
      <Field
        name="capPerGift"
        id={id('capPerGift')}
        label={t('matching.capPerGift')}
        inputMode="decimal"
        defaultValue={yuan(p?.cap_per_gift ?? null)}
        error={err('capPerGift')}
      />
      <Field
        name="capPerDonorDay"
        id={id('capPerDonorDay')}
        label={t('matching.capPerDonorDay')}
        inputMode="decimal"
        defaultValue={yuan(p?.cap_per_donor_day ?? null)}
        error={err('capPerDonorDay')}
      />
      <Field
        name="capTotal"
        id={id('capTotal')}
        label={t('matching.capTotal')}
        inputMode="decimal"
        defaultValue={yuan(p?.cap_total ?? null)}
        error={err('capTotal')}
      />
      <Field
        name="opensAt"
        id={id('opensAt')}
        label={t('matching.opensAt')}
        defaultValue={hhmm(p?.opens_minute ?? null)}
        error={err('opensAt')}
      />
      <Field
        name="closesAt"
        id={id('closesAt')}
        label={t('matching.closesAt')}
        defaultValue={hhmm(p?.closes_minute ?? null)}
        error={err('closesAt')}
      />
      <Field
        name="startsOn"
        id={id('startsOn')}
        label={t('matching.startsOn')}
        type="date"
        defaultValue={p?.starts_on ?? props.today}
        required
        error={err('startsOn')}
      />
      <Field
        name="endsOn"
        id={id('endsOn')}
        label={t('matching.endsOn')}
        type="date"
        defaultValue={p?.ends_on ?? props.today}
        required
        error={err('endsOn')}
      />
      {p ? (
        <div className="field">
          <label htmlFor={id('status')}>{t('matching.status')}</label>
          <select id={id('status')} name="status" defaultValue={p.status}>
            <option value="active">{t('matching.status.active')}</option>
            <option value="paused">{t('matching.status.paused')}</option>
          </select>
        </div>
      ) : null}
      <fieldset className="field" aria-describedby={err('campaignIds') ? id('campaignIds-error') : undefined}>
        <legend>{t('matching.campaigns')}</legend>
        {props.campaigns.map((c) => (
          <label key={c.id}>
            <input type="checkbox" name="campaignIds" value={c.id} defaultChecked={p?.campaignIds.includes(c.id)} />{' '}
            {(locale === 'en' && c.title_en) || c.title}
          </label>
        ))}
        {err('campaignIds') ? (
          <span id={id('campaignIds-error')} className="field-error" role="alert">
            {err('campaignIds')}
          </span>
        ) : null}
      </fieldset>
      <button type="submit" className="button">
        {t('matching.save')}
      </button>
    </Form>
  )
}

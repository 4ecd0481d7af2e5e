import { Form } from '@remix-run/react'
import { PLAN_FIELDS } from '~/modules/campaigns/schema'
import { codeKey, type MessageKey } from '~/utils/i18n'
import { useT } from '~/utils/locale'
import { Field, SelectField, TextAreaField } from './Field'

type Option = { value: string; label: string }

type Props = {
  values: Record<string, string>
  errors?: Record<string, MessageKey>
  params?: Record<string, string | number>
  currencies: readonly string[]
  programmes: Option[]
  stations: Option[]
  cover: string | null
  slugLocked?: boolean
  submitLabel: string
}

// One form for creating and editing a campaign; a plain multipart POST (works without
// JavaScript). Errors are message keys, shown on the field that caused them.
export function CampaignForm({
  values: v,
  errors = {},
  params,
  currencies,
  programmes,
  stations,
  cover,
  slugLocked,
  submitLabel,
}: Props) {
  const t = useT()
  const err = (f: string) => (errors[f] ? t(errors[f], params) : undefined)
  const text = (name: string, required = false) => (
    <Field
      name={name}
      label={t(codeKey('campaigns.field.', name))}
      defaultValue={v[name] ?? ''}
      error={err(name)}
      required={required}
    />
  )
  const area = (name: string, rows = 3) => (
    <TextAreaField
      name={name}
      label={t(codeKey('campaigns.field.', name))}
      defaultValue={v[name] ?? ''}
      error={err(name)}
      rows={rows}
    />
  )
  return (
    <Form method="post" encType="multipart/form-data" noValidate className="form-narrow">
      {Object.keys(errors).length ? (
        <div className="error-summary" role="alert">
          {errors.form ? t(errors.form, params) : t('campaigns.errorSummary')}
        </div>
      ) : null}
      <fieldset>
        <legend>{t('campaigns.section.basics')}</legend>
        <Field
          name="slug"
          label={t('campaigns.field.slug')}
          hint={slugLocked ? t('campaigns.slugLockedHint') : t('campaigns.slugHint')}
          defaultValue={v.slug ?? ''}
          readOnly={slugLocked}
          error={err('slug')}
          required
        />
        {text('title', true)}
        {text('titleEn')}
        {area('summary', 2)}
        {area('summaryEn', 2)}
        {area('story', 8)}
        {area('storyEn', 8)}
      </fieldset>
      <fieldset>
        <legend>{t('campaigns.section.money')}</legend>
        <SelectField
          name="currency"
          label={t('campaigns.field.currency')}
          defaultValue={v.currency ?? 'CNY'}
          error={err('currency')}
          options={currencies.map((c) => ({ value: c, label: c }))}
        />
        <Field
          name="goal"
          label={t('campaigns.field.goal')}
          inputMode="decimal"
          defaultValue={v.goal ?? ''}
          error={err('goal')}
          required
        />
        <Field
          name="suggestedAmounts"
          label={t('campaigns.field.suggestedAmounts')}
          hint={t('campaigns.suggestedHint')}
          defaultValue={v.suggestedAmounts ?? ''}
          error={err('suggestedAmounts')}
        />
        <Field
          name="startsOn"
          type="date"
          label={t('campaigns.field.startsOn')}
          defaultValue={v.startsOn ?? ''}
          error={err('startsOn')}
          required
        />
        <Field
          name="endsOn"
          type="date"
          label={t('campaigns.field.endsOn')}
          hint={t('campaigns.datesHint')}
          defaultValue={v.endsOn ?? ''}
          error={err('endsOn')}
        />
      </fieldset>
      <fieldset>
        <legend>{t('campaigns.section.links')}</legend>
        <SelectField
          name="programmeId"
          label={t('campaigns.field.programmeId')}
          defaultValue={v.programmeId ?? ''}
          error={err('programmeId')}
          options={[{ value: '', label: t('campaigns.noProgramme') }, ...programmes]}
        />
        <SelectField
          name="stationId"
          label={t('campaigns.field.stationId')}
          defaultValue={v.stationId ?? stations[0]?.value}
          error={err('stationId')}
          options={stations}
        />
      </fieldset>
      <fieldset>
        <legend>{t('campaigns.section.cover')}</legend>
        {cover ? <img src={cover} alt={t('campaigns.coverAlt')} className="cover-thumb" width={320} /> : null}
        <Field
          name="cover"
          type="file"
          accept="image/jpeg,image/png,image/webp"
          label={t('campaigns.field.cover')}
          hint={t('campaigns.coverHint')}
          error={err('cover')}
        />
        {cover ? (
          <label className="choice">
            <input type="checkbox" name="removeCover" value="1" /> {t('campaigns.removeCover')}
          </label>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>{t('campaigns.section.plan')}</legend>
        <p className="muted">{t('campaigns.planHint')}</p>
        {PLAN_FIELDS.map((f) => (f === 'filingNumber' || f === 'planResponsible' ? text(f) : area(f, 2)))}
      </fieldset>
      <button type="submit" name="intent" value="save" className="button">
        {submitLabel}
      </button>
    </Form>
  )
}

import type { Picker } from '~/modules/disbursements/picker.server'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { gradeLabel } from '~/utils/words'

// The award batch form's student picker: a search that submits the form by GET (so it works
// without JavaScript), then one checkbox per student, with the fund the batch draws on.
export function BatchPicker({ picker, picks, q }: { picker: Picker | null; picks: string[]; q?: string }) {
  const t = useT()
  const locale = useLocale()
  const money = (n: number) => formatMoney(n, picker?.currency ?? 'CNY', locale)
  const ticked = picker?.students.filter((s) => picks.includes(s.publicCode) && !s.reason) ?? []
  return (
    <fieldset className="field batch-picker">
      <legend>{t('picker.title')}</legend>
      <p className="muted" id="picker-hint">
        {t('picker.hint')}
      </p>
      <div className="field">
        <label htmlFor="q">{t('picker.q')}</label>
        <input id="q" name="q" defaultValue={q} maxLength={40} aria-describedby="picker-hint" />
      </div>
      <button type="submit" className="button secondary" formMethod="get" formNoValidate>
        {t('picker.find')}
      </button>
      {picker?.fund ? (
        <p role="status" data-fund-balance>
          {t('picker.fund', {
            fund: locale === 'en' ? picker.fund.titleEn : picker.fund.title,
            amount: money(picker.fund.balance),
          })}
        </p>
      ) : picker?.sponsorship ? (
        <p role="status">{t('picker.fundSponsorship')}</p>
      ) : null}
      {picker && !picker.students.length ? <p>{t('picker.none')}</p> : null}
      {picker?.students.length ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('picker.pick')}</th>
                <th scope="col">{t('picker.code')}</th>
                <th scope="col">{t('picker.county')}</th>
                <th scope="col">{t('picker.grade')}</th>
                <th scope="col">{t('picker.programme')}</th>
                {picker.sponsorship ? <th scope="col">{t('picker.balance')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {picker.students.map((s) => (
                <tr key={s.id}>
                  <td>
                    <input
                      type="checkbox"
                      name="pick"
                      value={s.publicCode}
                      id={`pick-${s.id}`}
                      defaultChecked={!s.reason && picks.includes(s.publicCode)}
                      disabled={Boolean(s.reason)}
                    />
                  </td>
                  <td>
                    <label htmlFor={`pick-${s.id}`}>{s.publicCode}</label>
                  </td>
                  <td>{s.county ? (locale === 'en' ? s.county.nameEn : s.county.name) : '—'}</td>
                  <td>{gradeLabel(s.grade, locale)}</td>
                  <td>{s.reason ? t(`picker.reason.${s.reason}`) : t('picker.ok')}</td>
                  {picker.sponsorship ? <td>{s.balance === null ? '—' : money(s.balance)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {picker?.more ? <p className="muted">{t('picker.more', { count: picker.students.length })}</p> : null}
      {ticked.length ? (
        <p className="muted">
          {t('picker.chosen', { count: ticked.length, total: money(ticked.length * picker!.awardAmount) })}
        </p>
      ) : null}
    </fieldset>
  )
}

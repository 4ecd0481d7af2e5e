// Formatting shared by the templates. Pure: the same props always give the same text.
import { formatMoney } from '../../app/utils/money'
import { toChineseCapitals } from '../../app/utils/money-capitals'

export type EmailLocale = 'zh-CN' | 'en'
const TIME_ZONE = 'Asia/Shanghai'

export function money(amount: number, currency: string, locale: EmailLocale): string {
  return formatMoney(amount, currency, locale)
}

/** 人民币（大写）壹仟元整 for CNY; null for other currencies, which have no 大写 form. */
export function capitals(amount: number, currency: string): string | null {
  return currency === 'CNY' ? toChineseCapitals(amount) : null
}

export function date(iso: string, locale: EmailLocale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: TIME_ZONE }).format(new Date(iso))
}

export function month(iso: string, locale: EmailLocale): string {
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: TIME_ZONE }).format(new Date(iso))
}

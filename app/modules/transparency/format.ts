// Money and date formatting for the transparency pages, with the Intl formatters built
// once per locale and currency: a ledger page formats hundreds of figures, and building
// an Intl.NumberFormat costs far more than using one. Same output as ~/utils/money's
// formatMoney and ~/utils/i18n's formatDate (exact, from integer minor units).
import { TIME_ZONE, type Locale } from '../../utils/i18n'

const numberFormats = new Map<string, { nf: Intl.NumberFormat; digits: number }>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()

function moneyFormat(currency: string, locale: string) {
  const key = `${locale}|${currency}`
  let f = numberFormats.get(key)
  if (!f) {
    const digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
    f = {
      nf: new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      }),
      digits,
    }
    numberFormats.set(key, f)
  }
  return f
}

/** ¥1,234.00 from minor units, without float division. */
export function formatMoney(amount: number, currency: string, locale: string = 'zh-CN'): string {
  if (!Number.isSafeInteger(amount)) throw new TypeError(`money must be an integer count of minor units, got ${amount}`)
  const { nf, digits } = moneyFormat(currency, locale)
  const scale = 10n ** BigInt(digits)
  const big = BigInt(amount)
  const abs = big < 0n ? -big : big
  const decimal = `${big < 0n ? '-' : ''}${abs / scale}${digits ? '.' + (abs % scale).toString().padStart(digits, '0') : ''}`
  return nf.format(decimal as unknown as number)
}

/** 2026年11月23日 / November 23, 2026, in China time. */
export function formatDate(iso: string | Date, locale: Locale): string {
  let f = dateFormats.get(locale)
  if (!f) dateFormats.set(locale, (f = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: TIME_ZONE })))
  return f.format(typeof iso === 'string' ? new Date(iso) : iso)
}

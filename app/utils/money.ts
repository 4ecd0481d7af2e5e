// Money is an integer count of minor units (fen for CNY) beside an ISO 4217 code.
// No floats anywhere: parsing and formatting work on digits and BigInt.

export type Money = { amount: number; currency: string }

// Intl formatters are costly to build and cheap to use: one per (locale, currency).
const formats = new Map<string, Intl.NumberFormat>()
/** The compact ones of chart axes, by (locale, currency). */
const axisFormats = new Map<string, Intl.NumberFormat>()
function currencyFormat(locale: string, currency: string, digits?: number): Intl.NumberFormat {
  const key = `${locale}|${currency}|${digits ?? ''}`
  let format = formats.get(key)
  if (!format) {
    const options: Intl.NumberFormatOptions = { style: 'currency', currency }
    if (digits !== undefined) Object.assign(options, { minimumFractionDigits: digits, maximumFractionDigits: digits })
    formats.set(key, (format = new Intl.NumberFormat(locale, options)))
  }
  return format
}

// resolvedOptions() builds a fresh object each call: a page of figures asks per figure, so remember.
const digitsOf = new Map<string, number>()

/** Number of minor-unit digits for a currency (2 for CNY, 0 for JPY). */
export function minorDigits(currency: string): number {
  let digits = digitsOf.get(currency)
  if (digits === undefined)
    digitsOf.set(currency, (digits = currencyFormat('en', currency).resolvedOptions().maximumFractionDigits ?? 2))
  return digits
}

/** ¥1,234.00 — formats minor units exactly, without float division. */
export function formatMoney(amount: number, currency: string, locale = 'zh-CN'): string {
  assertMinorUnits(amount)
  const digits = minorDigits(currency)
  const scale = 10n ** BigInt(digits)
  const big = BigInt(amount)
  const negative = big < 0n
  const abs = negative ? -big : big
  const major = abs / scale
  const minor = abs % scale
  // Intl accepts decimal strings exactly (ES2023), so nothing is rounded through a float.
  const decimal = `${negative ? '-' : ''}${major}${digits ? '.' + minor.toString().padStart(digits, '0') : ''}`
  return currencyFormat(locale, currency, digits).format(decimal as unknown as number)
}

/** "100", "100.5", "1,000.50" → minor units; undefined when not a valid amount. */
export function parseMoney(input: string, currency: string): number | undefined {
  const digits = minorDigits(currency)
  const cleaned = input
    .trim()
    .replace(/[,，\s]/g, '')
    .replace(/^[¥￥$]/, '')
  const pattern = digits === 0 ? /^(\d{1,13})$/ : new RegExp(`^(\\d{1,13})(?:\\.(\\d{1,${digits}}))?$`)
  const match = pattern.exec(cleaned)
  if (!match) return undefined
  const major = BigInt(match[1]!)
  const minor = BigInt((match[2] ?? '').padEnd(digits, '0') || '0')
  const value = major * 10n ** BigInt(digits) + minor
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return undefined
  return Number(value)
}

export function assertMinorUnits(amount: number): void {
  if (!Number.isSafeInteger(amount)) throw new TypeError(`money must be an integer count of minor units, got ${amount}`)
}

/** A refusal's values with the money ones (named in `keys`, minor units) formatted for the reader. */
export function formatMoneyParams(
  params: Record<string, string | number>,
  keys: readonly string[],
  currency: string,
  locale = 'zh-CN',
): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(params).map(([k, x]) => [
      k,
      keys.includes(k) && typeof x === 'number' ? formatMoney(x, currency, locale) : x,
    ]),
  )
}

/** Minor units → the plain decimal a form field shows ("1234.50"), exactly, without a float. */
export function toDecimalString(amount: number, currency: string): string {
  assertMinorUnits(amount)
  const digits = minorDigits(currency)
  const big = BigInt(amount)
  const scale = 10n ** BigInt(digits)
  const abs = big < 0n ? -big : big
  const minor = digits ? '.' + (abs % scale).toString().padStart(digits, '0') : ''
  return `${big < 0n ? '-' : ''}${abs / scale}${minor}`
}

/** A provider's decimal amount ("123.45") in minor units, exactly; undefined unless it is a plain non-negative decimal. */
export function decimalToMinor(value: string, currency: string): number | undefined {
  const digits = minorDigits(currency)
  const pattern = digits === 0 ? /^\d{1,13}$/ : new RegExp(`^\\d{1,13}(?:\\.\\d{1,${digits}})?$`)
  return pattern.test(value) ? parseMoney(value, currency) : undefined
}

/**
 * A chart axis value, rounded and compact (¥1.2万, CN¥12K): for axis ticks only, never
 * for a figure someone reads as an amount (those use formatMoney, exact).
 */
export function formatMoneyAxis(amount: number, currency: string, locale = 'zh-CN'): string {
  const major = amount / 10 ** minorDigits(currency)
  const key = `${locale}|${currency}`
  let format = axisFormats.get(key)
  if (!format)
    axisFormats.set(
      key,
      (format = new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        notation: 'compact',
        minimumFractionDigits: 0,
        maximumFractionDigits: 1,
      })),
    )
  return format.format(major)
}

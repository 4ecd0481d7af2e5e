import type { Locale } from '~/utils/i18n'

type Programme = { id: number; name: string; nameEn: string }
type Station = { id: number; name: string; nameEn: string; depth: number }

/** Select-box options in the reader's language; stations indented by their depth in the tree. */
export function campaignSelectOptions(o: { programmes: Programme[]; stations: Station[] }, locale: Locale) {
  const en = locale === 'en'
  return {
    programmes: o.programmes.map((p) => ({ value: String(p.id), label: en ? p.nameEn : p.name })),
    stations: o.stations.map((s) => ({
      value: String(s.id),
      label: `${'\u3000'.repeat(s.depth)}${en ? s.nameEn : s.name}`,
    })),
  }
}

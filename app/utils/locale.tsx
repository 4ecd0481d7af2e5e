import { useRouteLoaderData } from '@remix-run/react'
import { defaultLocale, isLocale, translator, type Locale } from './i18n'

/** The request's locale as the root loader resolved it. */
export function useLocale(): Locale {
  const data = useRouteLoaderData<{ locale?: string }>('root')
  return isLocale(data?.locale) ? data.locale : defaultLocale
}

export function useT() {
  return translator(useLocale())
}

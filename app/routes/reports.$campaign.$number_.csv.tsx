import type { LoaderFunctionArgs } from '@remix-run/node'
import { PUBLIC_DATA_CACHE } from '~/modules/transparency/http'
import { reportCsv } from '~/modules/transparency/report-files.server'
import { getReport } from '~/modules/transparency/reports.server'
import { ReportParams } from '~/modules/transparency/schema'
import { getDb } from '~/utils/db.server'
import { download, notFound } from '~/utils/http.server'
import { resolveLocale } from '~/utils/i18n'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const locale = resolveLocale(request)
  const p = ReportParams.safeParse(params)
  const report = p.success ? await getReport(getDb(), p.data.campaign, p.data.number) : undefined
  if (!report) return notFound()
  // A published report never changes: its id and head hash name it for good.
  return download(reportCsv(report, locale), {
    type: 'text/csv; charset=utf-8',
    filename: `report-${report.campaign.slug}-${report.number}.csv`,
    cache: PUBLIC_DATA_CACHE,
    // Headers and figure names are in the reader's language.
    headers: {
      ETag: `"report-${report.id}-${report.headHash.slice(0, 16)}-${locale}"`,
      Vary: 'Cookie, Accept-Language',
    },
  })
}

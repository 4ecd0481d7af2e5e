import type { LoaderFunctionArgs } from '@remix-run/node'
import { PUBLIC_DATA_CACHE } from '~/modules/transparency/http'
import { reportPdf } from '~/modules/transparency/report-files.server'
import { getReport } from '~/modules/transparency/reports.server'
import { ReportParams } from '~/modules/transparency/schema'
import { getDb } from '~/utils/db.server'
import { resolveLocale } from '~/utils/i18n'
import { download, notFound } from '~/utils/http.server'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const p = ReportParams.safeParse(params)
  const report = p.success ? await getReport(getDb(), p.data.campaign, p.data.number) : undefined
  if (!report) return notFound()
  const locale = resolveLocale(request)
  return download(new Uint8Array(await reportPdf(report, locale)), {
    type: 'application/pdf',
    filename: `report-${report.campaign.slug}-${report.number}-${locale}.pdf`,
    cache: PUBLIC_DATA_CACHE,
    headers: { Vary: 'Cookie, Accept-Language' },
  })
}

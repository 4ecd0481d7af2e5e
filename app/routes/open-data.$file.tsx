import type { LoaderFunctionArgs } from '@remix-run/node'
import { conditional } from '~/modules/transparency/api.server'
import { publicCampaignFund } from '~/modules/transparency/campaigns.server'
import { dayBound, PUBLIC_DATA_CACHE } from '~/modules/transparency/http'
import { exportLines, toStream, type ExportDataset, type ExportFormat } from '~/modules/transparency/opendata.server'
import { ExportFile, ExportQuery } from '~/modules/transparency/schema'
import { getDb } from '~/utils/db.server'
import { download, notFound } from '~/utils/http.server'

// /open-data/<dataset>.<csv|jsonl>[?campaign=<slug>&from=YYYY-MM-DD&to=YYYY-MM-DD]: streamed, never built in memory.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const file = ExportFile.safeParse(params.file)
  const query = ExportQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams))
  if (!file.success || !query.success) return notFound()
  const [dataset, format] = file.data.split('.') as [ExportDataset, ExportFormat]
  const db = getDb()
  let fund: string | undefined
  if (query.data.campaign) {
    fund = await publicCampaignFund(db, query.data.campaign)
    if (!fund) return notFound()
  }
  const filter = { fund, from: dayBound(query.data.from), to: dayBound(query.data.to, true) }
  const { etag, response } = await conditional(db, request, { file: file.data, ...filter })
  if (response) return response
  const name = `hope-ledger-${dataset}${query.data.campaign ? `-${query.data.campaign}` : ''}.${format}`
  return download(toStream(exportLines(db, { dataset, format, filter })), {
    type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    filename: name,
    cache: PUBLIC_DATA_CACHE,
    headers: { ETag: etag, 'Access-Control-Allow-Origin': '*' },
  })
}

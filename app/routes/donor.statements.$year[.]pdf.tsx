import type { LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { requireDonor } from '~/modules/auth/donor.server'
import { annualStatementPdf } from '~/modules/receipts/documents.server'
import { getDb } from '~/utils/db.server'
import { resolveLocale } from '~/utils/i18n'
import { download, notFound } from '~/utils/http.server'

// /donor/statements/2026.pdf — the signed-in donor's annual statement for a year.

const Year = z.coerce.number().int().min(2000).max(2100)

export async function loader({ request, params }: LoaderFunctionArgs) {
  const donor = await requireDonor(request)
  const year = Year.safeParse(params.year)
  if (!year.success) throw notFound({ 'Cache-Control': 'no-store' })
  const pdf = await annualStatementPdf(getDb(), {
    donorEmail: donor.email,
    year: year.data,
    locale: resolveLocale(request),
    now: new Date().toISOString(),
  })
  if (!pdf) throw notFound({ 'Cache-Control': 'no-store' })
  return download(new Uint8Array(pdf), {
    type: 'application/pdf',
    filename: `hope-ledger-statement-${year.data}.pdf`,
    headers: { 'Content-Length': String(pdf.length), 'X-Robots-Tag': 'noindex' },
  })
}

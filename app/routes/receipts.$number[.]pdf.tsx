import type { LoaderFunctionArgs } from '@remix-run/node'
import { receiptPdfForDownload } from '~/modules/receipts/documents.server'
import { getDb } from '~/utils/db.server'
import { resolveLocale } from '~/utils/i18n'
import { download, notFound } from '~/utils/http.server'

// /receipts/HL-2026-000123.pdf?code=… — the receipt as a PDF. It shows the donor's
// name, so it needs the verification code; a wrong code is a plain 404, the same
// answer as an unknown number, so the route tells nothing about which receipts exist.

export async function loader({ request, params }: LoaderFunctionArgs) {
  const code = new URL(request.url).searchParams.get('code') ?? ''
  const found = await receiptPdfForDownload(getDb(), {
    number: params.number ?? '',
    code,
    locale: resolveLocale(request),
  })
  if (!found) throw notFound({ 'Cache-Control': 'no-store' })
  return download(new Uint8Array(found.pdf), {
    type: 'application/pdf',
    filename: `${found.number}.pdf`,
    inline: true,
    headers: {
      'Content-Length': String(found.pdf.length),
      'X-Robots-Tag': 'noindex',
      'Referrer-Policy': 'no-referrer',
    },
  })
}

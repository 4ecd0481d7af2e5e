// Public URLs of a receipt; the code in them is the receipt's verification code.

export function receiptLinks(baseUrl: string, r: { number: string; code: string; trackingCode: string }) {
  const q = `number=${encodeURIComponent(r.number)}&code=${encodeURIComponent(r.code)}`
  return {
    traceUrl: `${baseUrl}/trace/${encodeURIComponent(r.trackingCode)}`,
    verifyUrl: `${baseUrl}/receipts/verify?${q}`,
    pdfUrl: `${baseUrl}/receipts/${encodeURIComponent(r.number)}.pdf?code=${encodeURIComponent(r.code)}`,
  }
}

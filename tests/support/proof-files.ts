// Real proof files for tests: proofs are checked as whole files (a PDF must parse with a
// page; a picture must decode), so `%PDF-1.4` and a comment are no longer enough.
import { demoPdf } from '../../db/seed/demo-pdf'

/** A one-page PDF with a line of text (the seed's demo proof). */
export const minimalPdf = (label = 'test payout slip') => demoPdf(label)

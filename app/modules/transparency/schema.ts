// Query-string schemas for the public pages and the API (isomorphic: no server imports).
import { z } from 'zod'
import { calendarDay } from '~/utils/calendar-day'

export const KINDS = [
  'donation',
  'refund',
  'dispute',
  'award',
  'payout',
  'fund_transfer',
  'match',
  'match_return',
  'correction',
] as const
const day = calendarDay()
const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v)

export const LedgerQuery = z.object({
  kind: z.preprocess(blankToUndefined, z.enum(KINDS).optional()),
  fund: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^fund:(?:general|(?:campaign|sponsorship|wish):[1-9]\d{0,15})$/)
      .optional(),
  ),
  campaign: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z0-9-]{1,80}$/)
      .optional(),
  ),
  from: z.preprocess(blankToUndefined, day.optional()),
  to: z.preprocess(blankToUndefined, day.optional()),
  before: z.preprocess(blankToUndefined, z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional()),
  after: z.preprocess(blankToUndefined, z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional()),
  limit: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(200).optional()),
})
export type LedgerQuery = z.infer<typeof LedgerQuery>

export const SequenceParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER)
export const StudentCode = z.string().regex(/^[A-Z]{2}-[0-9A-Z-]{1,40}$/)
export const DonationRef = z.string().regex(/^[A-Z]-[0-9A-Z-]{1,40}$/)

export const DATASETS = ['accounts', 'transactions', 'transfers', 'donations', 'lots', 'traces'] as const
export const ExportFile = z.string().regex(/^(accounts|transactions|transfers|donations|lots|traces)\.(csv|jsonl)$/)
export const ExportQuery = z.object({
  campaign: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z0-9-]{1,80}$/)
      .optional(),
  ),
  from: z.preprocess(blankToUndefined, day.optional()),
  to: z.preprocess(blankToUndefined, day.optional()),
})

/** Parse a URL's search params with a schema; on failure, the empty query and a flag. */
export function parseQuery<T extends z.ZodTypeAny>(schema: T, url: URL): { query: z.infer<T>; invalid: boolean } {
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams))
  return parsed.success ? { query: parsed.data, invalid: false } : { query: schema.parse({}), invalid: true }
}

export const ReportParams = z.object({
  campaign: z.string().regex(/^[a-z0-9-]{1,80}$/),
  number: z.coerce.number().int().positive().max(100000),
})

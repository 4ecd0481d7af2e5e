import { z } from 'zod'

// The organisation's particulars as pages, mail and receipts use them, and the form that
// edits them (client-safe). Empty strings mean "not filled in yet".

export type Organisation = {
  name: string
  nameEn: string
  creditCode: string
  fundraisingCertificate: string
  phone: string
  email: string
  address: string
  addressEn: string
  receiptWording: string
  receiptWordingEn: string
  receiptSignature: string
}

export const EMPTY_ORGANISATION: Organisation = {
  name: '',
  nameEn: '',
  creditCode: '',
  fundraisingCertificate: '',
  phone: '',
  email: '',
  address: '',
  addressEn: '',
  receiptWording: '',
  receiptWordingEn: '',
  receiptSignature: '',
}

/** The name to show in a locale: the English name falls back to the Chinese one. */
export function organisationName(org: Pick<Organisation, 'name' | 'nameEn'>, locale: string): string {
  return (locale === 'en' ? org.nameEn || org.name : org.name || org.nameEn).trim()
}

// 统一社会信用代码 (GB 32100-2015): 18 characters from this alphabet (no I, O, S, V, Z),
// the last a check character over the first 17 with these weights.
const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

export function isValidCreditCode(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CREDIT_ALPHABET.indexOf(code[i]!) * CREDIT_WEIGHTS[i]!
  const check = (31 - (sum % 31)) % 31
  return code[17] === CREDIT_ALPHABET[check]
}

const text = (max: number) => z.string().trim().max(max, 'organisation.tooLong')

export const OrganisationForm = z.object({
  name: text(100).pipe(z.string().min(1, 'form.required')),
  nameEn: text(200),
  creditCode: z
    .string()
    .trim()
    .transform((v) => v.toUpperCase())
    .refine((v) => v === '' || isValidCreditCode(v), 'organisation.creditCodeInvalid'),
  fundraisingCertificate: text(100),
  phone: text(40).refine((v) => v === '' || /^[0-9+()\- ]{5,40}$/.test(v), 'organisation.phoneInvalid'),
  email: text(254).refine((v) => v === '' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v), 'auth.emailInvalid'),
  address: text(300),
  addressEn: text(300),
  receiptWording: text(1000),
  receiptWordingEn: text(1000),
  receiptSignature: text(200),
})

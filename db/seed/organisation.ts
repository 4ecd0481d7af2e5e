import type { Kysely } from 'kysely'
import type { Organisation } from '../../app/modules/organisation/schema'
import type { Database } from '../schema'

// The demo organisation: obviously fictitious particulars (the credit code passes the
// GB 32100 check but names no one), so receipts and pages show where each value goes.
export const DEMO_ORGANISATION: Organisation = {
  name: '演示公益基金会（虚构）',
  nameEn: 'Demo Charity Foundation (fictitious)',
  creditCode: '53530000DEMD00000K',
  fundraisingCertificate: '演示公募证字第 0000 号',
  phone: '000-0000-0000',
  email: 'contact@example.org',
  address: '演示省演示市示例路 1 号（虚构地址）',
  addressEn: '1 Example Road, Demo City (fictitious address)',
  receiptWording: '',
  receiptWordingEn: '',
  receiptSignature: '演示公益基金会（虚构）财务专用章 · 演示用，无效',
}

export async function seedOrganisation(trx: Kysely<Database>, at: string): Promise<void> {
  const o = DEMO_ORGANISATION
  await trx
    .insertInto('organisation_settings')
    .values({
      id: 1,
      name: o.name,
      name_en: o.nameEn,
      credit_code: o.creditCode,
      fundraising_certificate: o.fundraisingCertificate,
      phone: o.phone,
      email: o.email,
      address: o.address,
      address_en: o.addressEn,
      receipt_wording: o.receiptWording,
      receipt_wording_en: o.receiptWordingEn,
      receipt_signature: o.receiptSignature,
      updated_at: at,
      updated_by: null,
    })
    .execute()
}

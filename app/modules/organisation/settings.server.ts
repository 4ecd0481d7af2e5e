import type { Selectable } from 'kysely'
import type { OrganisationSettingsTable } from '../../../db/tables/organisation'
import type { DB } from '~/utils/db.server'
import { recordAudit } from '../audit/audit.server'
import { EMPTY_ORGANISATION, type Organisation } from './schema'

// The one row of organisation_settings, read by receipts, mail, the footer and campaign
// pages; written only from /admin/organisation, each change audited with before/after.

function fromRow(row: Selectable<OrganisationSettingsTable>): Organisation {
  return {
    name: row.name,
    nameEn: row.name_en,
    creditCode: row.credit_code,
    fundraisingCertificate: row.fundraising_certificate,
    phone: row.phone,
    email: row.email,
    address: row.address,
    addressEn: row.address_en,
    receiptWording: row.receipt_wording,
    receiptWordingEn: row.receipt_wording_en,
    receiptSignature: row.receipt_signature,
  }
}

/** The organisation's particulars; all empty until someone fills them in. */
export async function getOrganisation(db: DB): Promise<Organisation> {
  const row = await db.selectFrom('organisation_settings').selectAll().where('id', '=', 1).executeTakeFirst()
  return row ? fromRow(row) : { ...EMPTY_ORGANISATION }
}

export async function saveOrganisation(db: DB, actor: { id: number; ip: string }, input: Organisation): Promise<void> {
  const values = {
    name: input.name,
    name_en: input.nameEn,
    credit_code: input.creditCode,
    fundraising_certificate: input.fundraisingCertificate,
    phone: input.phone,
    email: input.email,
    address: input.address,
    address_en: input.addressEn,
    receipt_wording: input.receiptWording,
    receipt_wording_en: input.receiptWordingEn,
    receipt_signature: input.receiptSignature,
    updated_at: new Date().toISOString(),
    updated_by: actor.id,
  }
  await db.transaction().execute(async (trx) => {
    const before = await getOrganisation(trx)
    await trx
      .insertInto('organisation_settings')
      .values({ id: 1, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute()
    await recordAudit(trx, {
      actorUserId: actor.id,
      action: 'organisation.updated',
      entityType: 'organisation',
      entityId: 1,
      before,
      after: input,
      ip: actor.ip,
    })
  })
}

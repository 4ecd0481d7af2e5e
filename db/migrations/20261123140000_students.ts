import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Students and scholarships: guardian consents, status history, award batches with
// maker-checker approvals, proof files, 1+1 sponsorships and letters, micro-wishes.
// Frozen in time: never import app code here. Same conventions as the core migration.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const idType = pg ? 'bigserial' : 'integer'
  const money = pg ? 'bigint' : 'integer'
  const id = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement())

  await db.schema
    .createTable('beneficiary_consents')
    .addColumn('id', idType, id)
    .addColumn('beneficiary_id', 'integer', (c) => c.notNull().references('beneficiaries.id'))
    .addColumn('guardian_name', 'text', (c) => c.notNull())
    .addColumn('relationship', 'text', (c) => c.notNull())
    .addColumn('consented_on', 'text', (c) => c.notNull())
    .addColumn('public_story', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('photo', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_name_to_sponsor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('recorded_by', 'integer', (c) => c.references('users.id'))
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('withdrawn_at', 'text')
    .addColumn('withdrawn_by', 'integer', (c) => c.references('users.id'))
    .execute()
  await db.schema
    .createIndex('beneficiary_consents_beneficiary')
    .on('beneficiary_consents')
    .columns(['beneficiary_id', 'withdrawn_at'])
    .execute()

  await db.schema
    .createTable('beneficiary_status_history')
    .addColumn('id', idType, id)
    .addColumn('beneficiary_id', 'integer', (c) => c.notNull().references('beneficiaries.id'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull().check(sql`to_status in ('new','active','graduated','exited')`))
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('changed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('beneficiary_status_history_b')
    .on('beneficiary_status_history')
    .column('beneficiary_id')
    .execute()

  await db.schema
    .createTable('proof_files')
    .addColumn('id', idType, id)
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'integer', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull().check(sql`mime in ('application/pdf','image/jpeg','image/png')`))
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'integer', (c) => c.references('users.id'))
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('award_batches')
    .addColumn('id', idType, id)
    .addColumn('programme_id', 'integer', (c) => c.notNull().references('programmes.id'))
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('station_id', 'integer', (c) => c.notNull().references('stations.id'))
    .addColumn('fund', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('total_amount', money, (c) => c.notNull().check(sql`total_amount > 0`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('prepared','approved','paid','rejected')`))
    .addColumn('approvals_required', 'integer', (c) => c.notNull())
    .addColumn('prepared_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('prepared_at', 'text', (c) => c.notNull())
    .addColumn('approved_at', 'text')
    .addColumn('rejected_by', 'integer', (c) => c.references('users.id'))
    .addColumn('rejected_at', 'text')
    .addColumn('reject_reason', 'text')
    .addColumn('payout_reference', 'text')
    .addColumn('payout_date', 'text')
    .addColumn('paid_by', 'integer', (c) => c.references('users.id'))
    .addColumn('paid_at', 'text')
    .execute()

  await db.schema
    .createTable('award_lines')
    .addColumn('id', idType, id)
    .addColumn('batch_id', 'integer', (c) => c.notNull().references('award_batches.id'))
    .addColumn('beneficiary_id', 'integer', (c) => c.notNull().references('beneficiaries.id'))
    .addColumn('fund', 'text', (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull().check(sql`amount > 0`))
    .addUniqueConstraint('award_lines_unique', ['batch_id', 'beneficiary_id'])
    .execute()

  // The cross-programme cap: one funded award per student per term, enforced by the database.
  await db.schema
    .createTable('award_term_caps')
    .addColumn('beneficiary_id', 'integer', (c) => c.notNull().references('beneficiaries.id'))
    .addColumn('term', 'text', (c) => c.notNull())
    .addColumn('line_id', 'integer', (c) => c.notNull().references('award_lines.id'))
    .addPrimaryKeyConstraint('award_term_caps_pk', ['beneficiary_id', 'term'])
    .execute()

  await db.schema
    .createTable('batch_approvals')
    .addColumn('id', idType, id)
    .addColumn('batch_id', 'integer', (c) => c.notNull().references('award_batches.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('approved_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('batch_approvals_unique', ['batch_id', 'user_id'])
    .execute()

  await db.schema
    .createTable('sponsorships')
    .addColumn('id', idType, id)
    .addColumn('beneficiary_id', 'integer', (c) => c.notNull().references('beneficiaries.id'))
    .addColumn('programme_id', 'integer', (c) => c.notNull().references('programmes.id'))
    .addColumn('school_year', 'text', (c) => c.notNull())
    .addColumn('frequency', 'text', (c) => c.notNull().check(sql`frequency in ('once','monthly')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending','active','paused','ended')`))
    .addColumn('donor_name', 'text', (c) => c.notNull())
    .addColumn('donor_email', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('access_token', 'text', (c) => c.notNull().unique())
    .addColumn('pause_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('activated_at', 'text')
    .addColumn('paused_at', 'text')
    .execute()
  await db.schema
    .createIndex('sponsorships_beneficiary')
    .on('sponsorships')
    .columns(['beneficiary_id', 'status'])
    .execute()

  await db.schema
    .createTable('sponsorship_letters')
    .addColumn('id', idType, id)
    .addColumn('sponsorship_id', 'integer', (c) => c.notNull().references('sponsorships.id'))
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('to_student','to_sponsor')`))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending','approved','rejected')`))
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addColumn('submitted_by', 'integer', (c) => c.references('users.id'))
    .addColumn('moderated_by', 'integer', (c) => c.references('users.id'))
    .addColumn('moderated_at', 'text')
    .addColumn('reject_reason', 'text')
    .execute()

  await db.schema
    .createTable('wishes')
    .addColumn('id', idType, id)
    .addColumn('beneficiary_id', 'integer', (c) => c.notNull().references('beneficiaries.id'))
    .addColumn('station_id', 'integer', (c) => c.notNull().references('stations.id'))
    .addColumn('item', 'text', (c) => c.notNull())
    .addColumn('story', 'text', (c) => c.notNull())
    .addColumn('price', money, (c) => c.notNull().check(sql`price > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open','fulfilled','cancelled')`))
    // The current hold: one row update decides the single holder; expiry is computed, no job needed.
    .addColumn('hold_token', 'text')
    .addColumn('held_until', 'text')
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('fulfilled_by', 'integer', (c) => c.references('users.id'))
    .addColumn('fulfilled_at', 'text')
    .addColumn('proof_file_id', 'integer', (c) => c.references('proof_files.id'))
    .execute()

  await db.schema
    .createTable('wish_claims')
    .addColumn('id', idType, id)
    .addColumn('wish_id', 'integer', (c) => c.notNull().references('wishes.id'))
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'wish_claims',
    'wishes',
    'sponsorship_letters',
    'sponsorships',
    'batch_approvals',
    'award_term_caps',
    'award_lines',
    'award_batches',
    'proof_files',
    'beneficiary_status_history',
    'beneficiary_consents',
  ]) {
    await db.schema.dropTable(t).execute()
  }
}

import type { Kysely } from 'kysely'

// A short public story per student, written by staff and checked to carry nothing that
// identifies the child; shown on /sponsor and the student's page only while the guardian's
// public-story consent holds. A table of its own, so the registry row stays personal data only.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('student_stories')
    .addColumn('beneficiary_id', 'integer', (c) => c.primaryKey().references('beneficiaries.id'))
    .addColumn('story', 'text', (c) => c.notNull())
    .addColumn('written_by', 'integer', (c) => c.references('users.id'))
    .addColumn('written_at', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('student_stories').execute()
}

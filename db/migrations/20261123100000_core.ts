import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here. Times are ISO-8601 UTC text,
// money is integer minor units (bigint on PostgreSQL), flags are 0/1 integers,
// lists are JSON text — identical on SQLite and PostgreSQL.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const idType = pg ? 'bigserial' : 'integer'
  const money = pg ? 'bigint' : 'integer'
  const id = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement())

  await db.schema
    .createTable('stations')
    .addColumn('id', idType, id)
    .addColumn('parent_id', 'integer', (c) => c.references('stations.id'))
    .addColumn('level', 'text', (c) =>
      c.notNull().check(sql`level in ('province','city','county','township','community')`),
    )
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    // Materialised path such as /1/2/7/: a subtree is one prefix match.
    .addColumn('path', 'text', (c) => c.notNull().unique())
    .execute()

  await db.schema
    .createTable('programmes')
    .addColumn('id', idType, id)
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('scholarship','sponsorship','wish','relief')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('award_amount', money, (c) => c.notNull().check(sql`award_amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('terms', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('eligible_categories', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('campaigns')
    .addColumn('id', idType, id)
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('title_en', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('summary_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('story', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('story_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('goal_amount', money, (c) => c.notNull().check(sql`goal_amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('programme_id', 'integer', (c) => c.references('programmes.id'))
    .addColumn('station_id', 'integer', (c) => c.references('stations.id'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('draft','active','closed')`),
    )
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('beneficiaries')
    .addColumn('id', idType, id)
    // Pseudonymous public code, e.g. HP-530627-0042: the only identifier public surfaces show.
    .addColumn('public_code', 'text', (c) => c.notNull().unique())
    .addColumn('station_id', 'integer', (c) => c.notNull().references('stations.id'))
    .addColumn('legal_name', 'text', (c) => c.notNull())
    .addColumn('gender', 'text', (c) => c.notNull().check(sql`gender in ('female','male','other')`))
    .addColumn('birth_date', 'text', (c) => c.notNull())
    .addColumn('national_id', 'text', (c) => c.notNull().unique())
    .addColumn('school', 'text', (c) => c.notNull())
    .addColumn('grade', 'text', (c) => c.notNull())
    .addColumn('categories', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('guardian_name', 'text', (c) => c.notNull())
    .addColumn('guardian_phone', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('new','active','graduated','exited')`),
    )
    .addColumn('next_verification_on', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('beneficiaries_station').on('beneficiaries').column('station_id').execute()

  await db.schema
    .createTable('users')
    .addColumn('id', idType, id)
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('role_grants')
    .addColumn('id', idType, id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sql`role in ('admin','finance','caseworker','auditor','donor')`),
    )
    // A grant covers the station's whole subtree; null only for the donor role.
    .addColumn('station_id', 'integer', (c) => c.references('stations.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('role_grants_unique', ['user_id', 'role', 'station_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['role_grants', 'users', 'beneficiaries', 'campaigns', 'programmes', 'stations']) {
    await db.schema.dropTable(t).execute()
  }
}

import { promises as fs } from 'node:fs'
import path from 'node:path'
import { NO_MIGRATIONS } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isValidNationalId } from '~/modules/beneficiaries/national-id'
import { createMigrator, migrateToLatest } from '../../db/migrator'
import { seedDemo } from '../../db/seed/demo'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

// Tables a fresh demo legitimately leaves empty, each with the reason.
// Any other table without seeded rows fails the round trip below.
const EMPTY_AFTER_SEED: Record<string, string> = {
  sessions: 'nobody has signed in yet',
  rate_limits: 'no sign-in attempts yet',
  login_throttles: 'no failed sign-ins yet',
  totp_credentials: 'demo staff enrol TOTP themselves (the secret must be shown to them)',
  recovery_codes: 'made at TOTP enrolment',
  staff_invites: 'demo staff are seeded with passwords, not invited',
  audit_log: 'nothing has been done or read yet',
  payment_events: 'demo gifts are booked by the seed directly; provider events arrive with real or demo checkouts',
  disclosure_reports: 'staff publish a disclosure report when one comes due; the demo campaigns have only just started',
  portal_sign_in_tokens: 'made when a donor asks for a sign-in link',
  password_resets: 'made when staff ask for a reset link or an admin forces one',
  campaign_updates: 'staff write progress updates once a campaign has news; the demo campaigns have only just started',
  campaign_update_mails: 'made when a second staff member approves a progress update',
  update_unsubscribes: 'made when a donor turns progress-update mail off',
  campaign_update_photos: 'staff attach photos to progress updates; the demo has no updates yet',
  refund_requests: 'made when staff refund a gift from the donation desk',
  official_receipt_requests: 'made when a donor asks for an official e-receipt in the portal',
  finance_closes: 'finance closes a month after it ends; the demo month is still open',
  student_stories:
    'staff write a student’s public story by hand; the demo has none, so /sponsor shows its generated line',
}

// Every migration, both ways, and a round trip through every table on this dialect.
describe.skipIf(skipReason)(`schema on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb({ migrate: false })
  })
  afterAll(async () => t?.destroy())

  const migrator = () => createMigrator(t.db)

  it('applies every migration, rolls all back, and applies them again', async () => {
    const files = (await fs.readdir('db/migrations')).filter((f) => /^\d{14}_.+\.ts$/.test(f))
    const first = await migrateToLatest(t.db)
    expect(first.results?.map((r) => r.status)).toEqual(files.map(() => 'Success'))
    const down = await migrator().migrateTo(NO_MIGRATIONS)
    expect(down.error).toBeUndefined()
    expect(down.results?.length).toBe(files.length)
    const again = await migrateToLatest(t.db)
    expect(again.results?.length).toBe(files.length)
  })

  it('migration files are timestamp-named and never import app code', async () => {
    for (const file of await fs.readdir('db/migrations')) {
      expect(file).toMatch(/^\d{14}_[a-z0-9_]+\.ts$/)
      const source = await fs.readFile(path.join('db/migrations', file), 'utf8')
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1])
      expect(
        imports.every((i) => i === 'kysely'),
        `${file} imports ${imports.join(', ')}`,
      ).toBe(true)
    }
  })

  it('seeds every table, reads it back intact, and seeds only once', async () => {
    const first = await seedDemo(t.db, { now: new Date('2026-11-23T02:00:00Z') })
    expect(first.seeded).toBe(true)
    const tables = (await t.db.introspection.getTables()).map((x) => x.name).filter((n) => !n.startsWith('kysely_'))
    expect(tables.length).toBeGreaterThan(5)
    for (const table of tables.filter((name) => !(name in EMPTY_AFTER_SEED))) {
      const row = await t.db
        .selectFrom(table as any)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      expect(Number(row.n), `table ${table} has no seeded rows`).toBeGreaterThan(0)
    }
    const students = await t.db.selectFrom('beneficiaries').selectAll().orderBy('id').execute()
    expect(students).toHaveLength(60)
    expect(students.every((s) => isValidNationalId(s.national_id))).toBe(true)
    expect(JSON.parse(students[0]!.categories)).toBeInstanceOf(Array)
    const province = await t.db
      .selectFrom('stations')
      .selectAll()
      .where('level', '=', 'province')
      .executeTakeFirstOrThrow()
    const subtree = await t.db
      .selectFrom('stations')
      .select('code')
      .where('path', 'like', `${province.path}%`)
      .execute()
    expect(subtree.length).toBeGreaterThanOrEqual(15)
    const goal = await t.db
      .selectFrom('campaigns')
      .select(['goal_amount'])
      .where('slug', '=', 'hope-star-2026')
      .executeTakeFirstOrThrow()
    expect(goal.goal_amount).toBe(30000000)
    expect(typeof goal.goal_amount).toBe('number')

    const again = await seedDemo(t.db)
    expect(again.seeded).toBe(false)
    const count = await t.db
      .selectFrom('beneficiaries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(60)
  })
})

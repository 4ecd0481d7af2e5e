// A fresh, migrated database for one test file, on the dialect of the current
// vitest project: a SQLite file of its own, or a new database in the test cluster.
// Copied from the run's template (db-templates.ts) where there is one: migrating,
// and seeding the demo, once per run rather than once per file.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { inject } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { migrateToLatest } from '../../db/migrator'
import { createPgDatabase } from './pg-database'

export type TestDialect = 'sqlite' | 'postgres'
export const testDialect: TestDialect = process.env.TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite'

/** Why this file's database suite is skipped, or '' when it runs. */
export const skipReason: string = testDialect === 'postgres' ? inject('pgSkip') : ''

export type TestDb = { db: DB; dialect: TestDialect; url: string; destroy: () => Promise<void> }

/**
 * `migrate: false`: empty. Otherwise migrated; `seeded`: with the demo seeded as of
 * SEEDED_AT (db-templates.ts), its proof files copied into this process's UPLOAD_DIR.
 */
export async function createTestDb(
  options: { migrate?: boolean; seeded?: boolean; poolSize?: number } = {},
): Promise<TestDb> {
  const template =
    options.migrate === false ? '' : (inject(options.seeded ? 'dbTemplateSeeded' : 'dbTemplateMigrated') ?? '')
  if (options.seeded && !template) throw new Error('no seeded template: run under the sqlite or postgres project')
  let url: string
  let cleanup: () => Promise<void>
  if (testDialect === 'postgres') {
    const database = await createPgDatabase(inject('pgUrl'), 't', { template: template || undefined })
    url = database.url
    cleanup = database.drop
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-sqlite-'))
    const file = path.join(dir, `t_${crypto.randomBytes(6).toString('hex')}.db`)
    if (template) fs.copyFileSync(template, file)
    url = `sqlite:${file}`
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true })
  }
  const uploads = options.seeded ? inject('dbTemplateUploads') : ''
  if (uploads && fs.existsSync(uploads)) fs.cpSync(uploads, getEnv().UPLOAD_DIR, { recursive: true })
  const { db } = createDatabase(url, { poolSize: options.poolSize ?? 10 })
  if (options.migrate !== false && !template) await migrateToLatest(db)
  return {
    db,
    dialect: testDialect,
    url,
    destroy: async () => {
      await db.destroy()
      await cleanup()
    },
  }
}

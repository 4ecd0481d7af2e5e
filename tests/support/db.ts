// A fresh, migrated database for one test file, on the dialect of the current
// vitest project: a SQLite file of its own, or a new database in the test cluster.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { inject } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { migrateToLatest } from '../../db/migrator'
import { createPgDatabase } from './pg-database'

export type TestDialect = 'sqlite' | 'postgres'
export const testDialect: TestDialect = process.env.TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite'

/** Why this file's database suite is skipped, or '' when it runs. */
export const skipReason: string = testDialect === 'postgres' ? inject('pgSkip') : ''

export type TestDb = { db: DB; dialect: TestDialect; url: string; destroy: () => Promise<void> }

export async function createTestDb(options: { migrate?: boolean; poolSize?: number } = {}): Promise<TestDb> {
  let url: string
  let cleanup: () => Promise<void>
  if (testDialect === 'postgres') {
    const database = await createPgDatabase(inject('pgUrl'), 't')
    url = database.url
    cleanup = database.drop
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hope-sqlite-'))
    url = `sqlite:${path.join(dir, `t_${crypto.randomBytes(6).toString('hex')}.db`)}`
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true })
  }
  const { db } = createDatabase(url, { poolSize: options.poolSize ?? 10 })
  if (options.migrate !== false) await migrateToLatest(db)
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

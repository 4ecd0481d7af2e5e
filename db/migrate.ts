// npm run db:migrate — apply pending migrations to DATABASE_URL.
import { getEnv } from '../app/utils/env.server'
import { createDatabase } from '../app/utils/db.server'
import { migrateToLatest } from './migrator'

const env = getEnv()
const { db, dialect } = createDatabase(env.DATABASE_URL)
try {
  const result = await migrateToLatest(db)
  const applied = result.results?.filter((r) => r.status === 'Success') ?? []
  console.log(
    `migrations (${dialect}): ${applied.length ? applied.map((r) => r.migrationName).join(', ') : 'up to date'}`,
  )
} catch (error) {
  console.error((error as Error).message)
  process.exitCode = 1
} finally {
  await db.destroy()
}

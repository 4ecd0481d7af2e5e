// npm run db:seed — seed the demo into an empty database (idempotent).
import { getEnv } from '../app/utils/env.server'
import { createDatabase } from '../app/utils/db.server'
import { migrateToLatest } from './migrator'
import { printDemoCredentials } from './seed/credentials'
import { seedDemo } from './seed/demo'

const env = getEnv()
const { db } = createDatabase(env.DATABASE_URL)
try {
  await migrateToLatest(db)
  const result = await seedDemo(db)
  console.log(result.seeded ? 'demo data seeded' : 'database already has data: seed skipped')
  printDemoCredentials(result)
} catch (error) {
  console.error((error as Error).message)
  process.exitCode = 1
} finally {
  await db.destroy()
}

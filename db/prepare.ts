// Migrate, and seed the demo into an empty database unless SEED_DEMO=never.
import { pathToFileURL } from 'node:url'
import { getEnv } from '../app/utils/env.server'
import { createDatabase } from '../app/utils/db.server'
import { migrateToLatest } from './migrator'
import { printDemoCredentials } from './seed/credentials'
import { seedDemo } from './seed/demo'

export async function prepareDatabase() {
  const env = getEnv()
  const { db, dialect } = createDatabase(env.DATABASE_URL)
  try {
    await migrateToLatest(db)
    if (env.SEED_DEMO === 'auto' && env.NODE_ENV !== 'production') {
      const result = await seedDemo(db)
      if (result.seeded) console.log(`demo data seeded into ${dialect}`)
      printDemoCredentials(result)
    }
  } finally {
    await db.destroy()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await prepareDatabase()
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}

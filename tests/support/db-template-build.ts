// Child process of db-templates.ts: builds the two template databases the integration
// suite copies per test file. Run as its own process so that it sees exactly the test
// environment (NODE_ENV, BASE_URL, UPLOAD_DIR) and nothing of vitest's main process.
//   sqlite   <dir>       → <dir>/migrated.db, <dir>/seeded.db
//   postgres <adminUrl>  → databases tpl_migrated_… and tpl_seeded_…, named on stdout
import fs from 'node:fs'
import path from 'node:path'
import { createDatabase } from '~/utils/db.server'
import { migrateToLatest } from '../../db/migrator'
import { seedDemo } from '../../db/seed/demo'
import { SEEDED_AT } from './db-templates'
import { createPgDatabase, pgAdmin } from './pg-database'

async function migrate(url: string) {
  const { db } = createDatabase(url, { poolSize: 1 })
  try {
    await migrateToLatest(db)
  } finally {
    await db.destroy()
  }
}

async function seed(url: string) {
  const { db } = createDatabase(url, { poolSize: 1 })
  try {
    await seedDemo(db, { now: SEEDED_AT })
  } finally {
    await db.destroy()
  }
}

const [dialect, target] = process.argv.slice(2)
if (dialect === 'sqlite' && target) {
  const migrated = path.join(target, 'migrated.db')
  const seeded = path.join(target, 'seeded.db')
  await migrate(`sqlite:${migrated}`)
  fs.copyFileSync(migrated, seeded) // closed above: no WAL left beside it
  await seed(`sqlite:${seeded}`)
} else if (dialect === 'postgres' && target) {
  const admin = pgAdmin(target)
  try {
    const migrated = await createPgDatabase(target, 'tpl_migrated', { admin })
    await migrate(migrated.url)
    const seeded = await createPgDatabase(target, 'tpl_seeded', { admin, template: migrated.name })
    await seed(seeded.url)
    // The names go back to the parent on stdout's last line.
    console.log(JSON.stringify({ migrated: migrated.name, seeded: seeded.name }))
  } finally {
    await admin.destroy()
  }
} else {
  console.error('usage: db-template-build.ts sqlite <dir> | postgres <adminUrl>')
  process.exit(2)
}

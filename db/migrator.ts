import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely'

export const migrationFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

/**
 * Reads db/migrations/*.ts. Our own dynamic import (rather than Kysely's
 * FileMigrationProvider) so that tsx and vitest both transform the TypeScript.
 */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    const files = (await fs.readdir(migrationFolder)).filter((f) => /^\d{14}_[a-z0-9_]+\.(ts|js)$/.test(f)).sort()
    const migrations: Record<string, Migration> = {}
    for (const file of files) {
      const module = (await import(pathToFileURL(path.join(migrationFolder, file)).href)) as Migration
      migrations[file.replace(/\.(ts|js)$/, '')] = { up: module.up, down: module.down }
    }
    return migrations
  },
}

export function createMigrator(db: Kysely<any>) {
  return new Migrator({ db, provider: migrationProvider })
}

/** Apply every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await createMigrator(db).migrateToLatest()
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')
    const message = result.error instanceof Error ? result.error.message : String(result.error)
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${message}`)
  }
  return result
}

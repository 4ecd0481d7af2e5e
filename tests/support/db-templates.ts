// Vitest globalSetup for the sqlite and postgres projects: migrate one template database,
// and seed the demo into a copy of it, once per run. createTestDb() then copies a template
// per test file (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL) instead
// of running every migration, and the demo seed, in each of ~80 files.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** SQLite: template file paths; PostgreSQL: template database names; '' when absent. */
    dbTemplateMigrated: string
    dbTemplateSeeded: string
    /** The proof files the seed wrote, to copy into a test's UPLOAD_DIR with the database. */
    dbTemplateUploads: string
  }
}

/** The `now` of the seeded template: what seededDb() has always seeded with. */
export const SEEDED_AT = new Date('2026-11-23T02:00:00Z')

export default async function setup(project: TestProject) {
  const env = project.config.env as Record<string, string>
  const dialect = env.TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite'
  const none = () => {
    for (const k of ['dbTemplateMigrated', 'dbTemplateSeeded', 'dbTemplateUploads'] as const) project.provide(k, '')
  }
  const adminUrl = dialect === 'postgres' ? project.getProvidedContext().pgUrl : ''
  if (dialect === 'postgres' && !adminUrl) return none() // no cluster: the suite skips

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hope-tpl-${dialect}-`))
  const uploads = path.join(dir, 'uploads')
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'tests/support/db-template-build.ts', dialect, dialect === 'postgres' ? adminUrl : dir],
    {
      cwd: project.config.root,
      env: { ...process.env, ...env, UPLOAD_DIR: uploads },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  if (dialect === 'postgres') {
    const names = JSON.parse(out.trim().split('\n').at(-1)!) as { migrated: string; seeded: string }
    project.provide('dbTemplateMigrated', names.migrated)
    project.provide('dbTemplateSeeded', names.seeded)
  } else {
    project.provide('dbTemplateMigrated', path.join(dir, 'migrated.db'))
    project.provide('dbTemplateSeeded', path.join(dir, 'seeded.db'))
  }
  project.provide('dbTemplateUploads', uploads)
  // The cluster (and its template databases) goes with postgres-cluster.ts's teardown.
  return () => fs.rmSync(dir, { recursive: true, force: true })
}

// Throwaway databases in a PostgreSQL cluster, for the tests, the chaos suite and the
// benches: CREATE DATABASE under a random name (optionally from a template), DROP … WITH
// (FORCE) to remove it. No vitest import here: the benches run outside vitest.
import crypto from 'node:crypto'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'

export type PgDatabase = { name: string; url: string; drop: () => Promise<void> }

/** A one-connection Kysely on the cluster's admin database; destroy it when done. */
export function pgAdmin(adminUrl: string): Kysely<any> {
  return new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: adminUrl, max: 1 }) }),
  })
}

/** The URL of database `name` in the cluster adminUrl points at. */
export const pgUrlOf = (adminUrl: string, name: string) => adminUrl.replace(/\/[^/]*$/, `/${name}`)

/**
 * A new database `<prefix>_<random>` in the cluster at adminUrl, empty or a copy of
 * `template`. `admin` reuses an open admin connection (its owner destroys it); without
 * it each create and drop opens and closes one of its own.
 */
export async function createPgDatabase(
  adminUrl: string,
  prefix: string,
  options: { template?: string; admin?: Kysely<any> } = {},
): Promise<PgDatabase> {
  const name = `${prefix}_${crypto.randomBytes(5).toString('hex')}`
  const withAdmin = async (fn: (admin: Kysely<any>) => Promise<void>) => {
    if (options.admin) return fn(options.admin)
    const admin = pgAdmin(adminUrl)
    try {
      await fn(admin)
    } finally {
      await admin.destroy()
    }
  }
  await withAdmin(async (admin) => {
    if (options.template) await sql`create database ${sql.id(name)} template ${sql.id(options.template)}`.execute(admin)
    else await sql`create database ${sql.id(name)}`.execute(admin)
  })
  return {
    name,
    url: pgUrlOf(adminUrl, name),
    drop: () =>
      withAdmin(async (admin) => {
        // A closed pool's server processes take a moment to exit; drop once they have (bounded wait).
        for (let i = 0; i < 50; i++) {
          const left = await sql<{
            n: number
          }>`select count(*)::int as n from pg_stat_activity where datname = ${name}`.execute(admin)
          if (!left.rows[0]!.n) break
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin)
      }),
  }
}

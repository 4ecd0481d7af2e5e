import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type LogConfig,
  type SqliteDialectConfig,
} from 'kysely'
import type { Database } from '../../db/schema'
import { describeDatabase, getEnv } from './env.server'

export type DB = Kysely<Database>
export type Dialect_ = 'sqlite' | 'postgres'

// pg is loaded by the first PostgreSQL database only: a SQLite process never carries it.
let pgModule: typeof import('pg') | undefined
function loadPg(): typeof import('pg') {
  if (!pgModule) {
    pgModule = createRequire(import.meta.url)('pg') as typeof import('pg')
    // pg returns int8 (bigint, count(*)) as strings; our amounts are far below 2^53.
    pgModule.types.setTypeParser(20, (v) => Number.parseInt(v, 10))
    pgModule.types.setTypeParser(1700, (v) => Number(v))
  }
  return pgModule
}

/**
 * SQLite transactions start with BEGIN IMMEDIATE: the write lock is taken at the
 * start, so two processes never both read a balance and then race to write it
 * (a deferred transaction would fail with SQLITE_BUSY on upgrade instead of waiting).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

function sqliteDialect(config: SqliteDialectConfig): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new ImmediateSqliteDriver(config),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  }
}

/** better-sqlite3 with the pragmas we rely on and a statement cache (Kysely prepares per query). */
export function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true })
  const raw = new SQLite(file)
  raw.pragma('journal_mode = WAL')
  raw.pragma('foreign_keys = ON')
  raw.pragma('busy_timeout = 10000')
  raw.pragma('synchronous = NORMAL')
  const cache = new Map<string, SQLite.Statement>()
  const prepare = raw.prepare.bind(raw)
  raw.prepare = ((source: string) => {
    let stmt = cache.get(source)
    if (!stmt) {
      stmt = prepare(source)
      if (cache.size > 500) cache.clear()
      cache.set(source, stmt)
    }
    return stmt
  }) as typeof raw.prepare
  return raw
}

export function createDatabase(
  url: string,
  options: { poolSize?: number; /** Profiles only (tests/bench/fulfil-profile.ts). */ log?: LogConfig } = {},
): { db: DB; dialect: Dialect_ } {
  const target = describeDatabase(url)
  const log = options.log
  if (target.dialect === 'postgres') {
    const pool = new (loadPg().Pool)({ connectionString: target.url, max: options.poolSize ?? 10 })
    // An idle client losing its server must not crash the process.
    pool.on('error', (error) => console.error('postgres pool error:', error.message))
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log })
    rowReaders.set(db, async (query, params) => {
      const r = await pool.query<unknown[]>({ text: numbered(query), values: params as unknown[], rowMode: 'array' })
      return r.rows
    })
    return { db, dialect: 'postgres' }
  }
  const database = openSqlite(target.file)
  const db = new Kysely<Database>({ dialect: sqliteDialect({ database }), log })
  // Raw-mode statements of their own: the shared cache's statements stay in object mode for Kysely.
  const statements = new Map<string, SQLite.Statement>()
  rowReaders.set(db, async (query, params) => {
    let stmt = statements.get(query)
    if (!stmt) {
      if (statements.size > 100) statements.clear()
      statements.set(query, (stmt = SQLite.prototype.prepare.call(database, query).raw(true)))
    }
    return stmt.all(...params) as unknown[][]
  })
  return { db, dialect: 'sqlite' }
}

type RowReader = (query: string, params: readonly unknown[]) => Promise<unknown[][]>
const rowReaders = new WeakMap<Kysely<any>, RowReader>()
const numbered = (query: string) => {
  let n = 0
  return query.replace(/\?/g, () => `$${++n}`)
}

/**
 * Rows as arrays, in select order, for scans of millions of rows (verify, export): no
 * object per row, no query building. `query` uses ? placeholders and must be valid on
 * both dialects, and its columns distinct names (alias them: inside a transaction the
 * rows come through Kysely as objects). On a database made by createDatabase it goes to the driver directly
 * (better-sqlite3 raw mode, pg rowMode array); inside a transaction, through Kysely.
 */
export async function readRows(db: Kysely<any>, query: string, params: readonly unknown[] = []): Promise<unknown[][]> {
  const direct = rowReaders.get(db)
  if (direct) return direct(query, params)
  const text = dialectOf(db) === 'postgres' ? numbered(query) : query
  const r = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, [...params]))
  return r.rows.map((row) => Object.values(row))
}

export function dialectOf(db: Kysely<any>): Dialect_ {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres'
}

// One instance per process, kept on globalThis so dev reloads do not leak pools.
const globalForDb = globalThis as unknown as { __hopeLedgerDb?: { db: DB; dialect: Dialect_ } }

export function getDb(): DB {
  if (!globalForDb.__hopeLedgerDb) {
    const env = getEnv()
    globalForDb.__hopeLedgerDb = createDatabase(env.DATABASE_URL, { poolSize: env.DATABASE_POOL_SIZE })
  }
  return globalForDb.__hopeLedgerDb.db
}

/** Tests and CLIs may point the app at a database they created. */
export function setDb(db: DB) {
  globalForDb.__hopeLedgerDb = { db, dialect: dialectOf(db) }
}

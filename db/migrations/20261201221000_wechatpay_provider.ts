import { PostgresAdapter, sql, type Kysely } from 'kysely'

// donations.provider gains 'wechatpay' (issue 19, WeChat Pay direct). PostgreSQL swaps the CHECK
// constraint; SQLite cannot alter one, so the table is rebuilt from its own stored
// definition (SQLite's documented 12-step procedure), keeping every row, index and trigger.

const OLD = `provider in ('stripe','demo','offline','import','alipay')`
const NEW = `provider in ('stripe','demo','offline','import','alipay','wechatpay')`

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table donations drop constraint if exists donations_provider_check`.execute(db)
    await sql.raw(`alter table donations add constraint donations_provider_check check (${NEW})`).execute(db)
    return
  }
  await rebuildSqlite(db, OLD, NEW)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table donations drop constraint if exists donations_provider_check`.execute(db)
    await sql.raw(`alter table donations add constraint donations_provider_check check (${OLD})`).execute(db)
    return
  }
  await rebuildSqlite(db, NEW, OLD)
}

async function rebuildSqlite(db: Kysely<any>, from: string, to: string) {
  await db.connection().execute(async (conn) => {
    const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'donations'`
      .execute(conn)
      .then((r) => r.rows[0]?.sql ?? '')
    if (!table.includes(from)) throw new Error(`donations.provider check is not ${from}`)
    const dependents = await sql<{ sql: string }>`
      select sql from sqlite_master where tbl_name = 'donations' and type in ('index', 'trigger') and sql is not null`
      .execute(conn)
      .then((r) => r.rows.map((row) => row.sql))
    const created = table
      .replace(from, to)
      .replace(/^create table\s+["`]?donations["`]?/i, 'create table "donations_rebuilt"')
    await sql`pragma foreign_keys = off`.execute(conn)
    try {
      await sql`begin immediate`.execute(conn)
      await sql.raw(created).execute(conn)
      await sql`insert into donations_rebuilt select * from donations`.execute(conn)
      await sql`drop table donations`.execute(conn)
      await sql`alter table donations_rebuilt rename to donations`.execute(conn)
      for (const statement of dependents) await sql.raw(statement).execute(conn)
      const broken = await sql`pragma foreign_key_check`.execute(conn)
      if (broken.rows.length) throw new Error('donations rebuild broke a foreign key')
      await sql`commit`.execute(conn)
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined)
      throw error
    } finally {
      await sql`pragma foreign_keys = on`.execute(conn)
    }
  })
}

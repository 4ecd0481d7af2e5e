import { PostgresAdapter, sql, type Kysely } from 'kysely'

/**
 * Replace a column's CHECK (e.g. the values `donations.provider` may take), on both dialects,
 * for the next migration that needs it: 20261201210000_alipay_provider and
 * 20261201221000_wechatpay_provider each carry their own copy of this, frozen as merged.
 * PostgreSQL swaps the named constraint. SQLite cannot alter one, so the table is rebuilt
 * from its own stored definition (SQLite's documented 12-step procedure), keeping every
 * row, index and trigger; `from` must appear in that definition as written.
 */
export async function replaceCheck(
  db: Kysely<any>,
  o: { table: string; constraint: string; from: string; to: string },
): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table ${sql.id(o.table)} drop constraint if exists ${sql.id(o.constraint)}`.execute(db)
    await sql`alter table ${sql.id(o.table)} add constraint ${sql.id(o.constraint)} check (${sql.raw(o.to)})`.execute(
      db,
    )
    return
  }
  const rebuilt = `${o.table}_rebuilt`
  await db.connection().execute(async (conn) => {
    const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${o.table}`
      .execute(conn)
      .then((r) => r.rows[0]?.sql ?? '')
    if (!table.includes(o.from)) throw new Error(`${o.table} has no check ${o.from}`)
    const dependents = await sql<{ sql: string }>`
      select sql from sqlite_master where tbl_name = ${o.table} and type in ('index', 'trigger') and sql is not null`
      .execute(conn)
      .then((r) => r.rows.map((row) => row.sql))
    const name = new RegExp(`^create table\\s+["\`]?${o.table}["\`]?`, 'i')
    const created = table.replace(o.from, o.to).replace(name, `create table "${rebuilt}"`)
    await sql`pragma foreign_keys = off`.execute(conn)
    try {
      await sql`begin immediate`.execute(conn)
      await sql.raw(created).execute(conn)
      await sql`insert into ${sql.id(rebuilt)} select * from ${sql.id(o.table)}`.execute(conn)
      await sql`drop table ${sql.id(o.table)}`.execute(conn)
      await sql`alter table ${sql.id(rebuilt)} rename to ${sql.id(o.table)}`.execute(conn)
      for (const statement of dependents) await sql.raw(statement).execute(conn)
      const broken = await sql`pragma foreign_key_check`.execute(conn)
      if (broken.rows.length) throw new Error(`${o.table} rebuild broke a foreign key`)
      await sql`commit`.execute(conn)
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined)
      throw error
    } finally {
      await sql`pragma foreign_keys = on`.execute(conn)
    }
  })
}

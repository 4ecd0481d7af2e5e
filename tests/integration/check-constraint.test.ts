import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { replaceCheck } from '../../db/check-constraint'
import { createTestDb, skipReason, testDialect, type TestDb } from '../support/db'

// db/check-constraint.ts, for the next migration that widens a CHECK: rows, indexes and
// triggers survive, the new value goes in, a value outside it still does not.
describe.skipIf(skipReason)(`replaceCheck on ${testDialect}${skipReason ? ` (${skipReason})` : ''}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await createTestDb({ migrate: false })
    await sql`create table gifts (id integer primary key, kind text not null constraint gifts_kind_check check (kind in ('a','b')))`.execute(
      t.db,
    )
    await sql`create index gifts_kind on gifts (kind)`.execute(t.db)
    await sql`insert into gifts (id, kind) values (1, 'a'), (2, 'b')`.execute(t.db)
  })
  afterAll(async () => t?.destroy())

  const insert = (id: number, kind: string) => sql`insert into gifts (id, kind) values (${id}, ${kind})`.execute(t.db)

  it('widens the check and keeps the rows and the index', async () => {
    await expect(insert(3, 'c')).rejects.toThrow()
    await replaceCheck(t.db, {
      table: 'gifts',
      constraint: 'gifts_kind_check',
      from: `kind in ('a','b')`,
      to: `kind in ('a','b','c')`,
    })
    await insert(3, 'c')
    await expect(insert(4, 'd')).rejects.toThrow()
    const rows = await sql<{ id: number; kind: string }>`select id, kind from gifts order by id`.execute(t.db)
    expect(rows.rows.map((r) => [Number(r.id), r.kind])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ])
    const index =
      testDialect === 'postgres'
        ? await sql`select indexname from pg_indexes where tablename = 'gifts' and indexname = 'gifts_kind'`.execute(
            t.db,
          )
        : await sql`select name from sqlite_master where type = 'index' and name = 'gifts_kind'`.execute(t.db)
    expect(index.rows).toHaveLength(1)
  })

  it('refuses on SQLite when the old check is not what the table says', async () => {
    if (testDialect !== 'sqlite') return
    await expect(
      replaceCheck(t.db, {
        table: 'gifts',
        constraint: 'gifts_kind_check',
        from: `kind in ('x')`,
        to: `kind in ('y')`,
      }),
    ).rejects.toThrow(/has no check/)
  })
})

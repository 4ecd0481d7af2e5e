import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fundOfWish, inTransaction, postDonation } from '~/modules/ledger'
import * as home from '~/routes/admin._index'
import * as staffList from '~/routes/admin.staff._index'
import { call, cookieFor, get, post, seededDb, stationId } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// /admin opens on what waits for me: each list scoped to the stations where I hold the
// permission its work needs, each item linked; lists I cannot act on are absent.

describe.skipIf(skipReason)(`staff home on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  const waitingOf = async (email: string) => {
    const o = await call(home.loader, get('/admin', await cookieFor(t.db, email)))
    expect(o.status).toBe(200)
    return o.body.waiting as Record<string, { id: number; href: string; label: string }[] | null>
  }

  it('finance sees the prepared batch to approve, linked; not its own preparer’s list', async () => {
    const prepared = await t.db
      .selectFrom('award_batches')
      .innerJoin('users', 'users.id', 'award_batches.prepared_by')
      .select(['award_batches.id', 'users.email'])
      .where('award_batches.status', '=', 'prepared')
      .execute()
    expect(prepared.length).toBeGreaterThan(0)
    const finance = await waitingOf('finance@hope.demo')
    expect(finance.batches!.map((b) => b.id).sort()).toEqual(prepared.map((p) => Number(p.id)).sort())
    expect(finance.batches![0]!.href).toBe(`/admin/batches/${finance.batches![0]!.id}`)
    // Finance neither moderates letters nor manages wishes or staff: those lists are absent.
    expect(finance.letters).toBeNull()
    expect(finance.wishes).toBeNull()
    expect(finance.invitations).toBeNull()
    // A caseworker approves nothing.
    expect((await waitingOf('caseworker.huize@hope.demo')).batches).toBeNull()
  })

  it('letters to moderate are scoped to the student’s station', async () => {
    const zhenxiong = await waitingOf('caseworker.zhenxiong@hope.demo')
    expect(zhenxiong.letters).toHaveLength(1)
    expect(zhenxiong.letters![0]!.href).toBe('/admin/sponsorships')
    expect(zhenxiong.letters![0]!.label).toMatch(/^HP-530627-/)
    expect((await waitingOf('caseworker.huize@hope.demo')).letters).toEqual([])
  })

  it('a micro-wish waits once its fund holds the price, for caseworkers of its station only', async () => {
    // A wish of a 镇雄 student: its county's caseworker sees it; 会泽's does not.
    const student = await t.db
      .selectFrom('beneficiaries')
      .select(['id', 'station_id'])
      .where('public_code', 'like', 'HP-530627-%')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const wish = await t.db
      .insertInto('wishes')
      .values({
        beneficiary_id: student.id,
        station_id: student.station_id,
        item: '冬季棉衣',
        story: '冬天上学路远。',
        price: 15000,
        currency: 'CNY',
        status: 'open',
        hold_token: null,
        held_until: null,
        created_by: null,
        created_at: new Date().toISOString(),
        fulfilled_by: null,
        fulfilled_at: null,
        proof_file_id: null,
      })
      .returning(['id', 'price', 'currency', 'item'])
      .executeTakeFirstOrThrow()
    const [mine, other] = ['caseworker.zhenxiong@hope.demo', 'caseworker.huize@hope.demo']
    const before = (await waitingOf(mine)).wishes!
    expect(before.map((w) => w.id)).not.toContain(Number(wish.id))
    await inTransaction(t.db, (trx) =>
      postDonation(trx, {
        idempotencyKey: `home-wish-${wish.id}`,
        donationRef: `D-home-${wish.id}`,
        fund: fundOfWish(Number(wish.id)),
        amount: wish.price,
        fee: 0,
        currency: wish.currency,
        paidAt: new Date().toISOString(),
        displayName: '爱心人士',
      }),
    )
    const after = (await waitingOf(mine)).wishes!
    expect(after.find((w) => w.id === Number(wish.id))).toMatchObject({ href: '/admin/wishes', label: wish.item })
    expect((await waitingOf(other)).wishes!.map((w) => w.id)).not.toContain(Number(wish.id))
  })

  it('an invitation waits on the inviting admin’s home until it is accepted', async () => {
    const admin = await cookieFor(t.db, 'admin@hope.demo')
    expect((await waitingOf('admin@hope.demo')).invitations).toEqual([])
    const o = await call(
      staffList.action,
      post(
        '/admin/staff',
        {
          email: 'waiting@hope.demo',
          displayName: '待接受',
          role: 'caseworker',
          stationId: String(await stationId(t.db, '530627')),
        },
        admin,
      ),
    )
    expect(o.status).toBe(200)
    const invitations = (await waitingOf('admin@hope.demo')).invitations!
    expect(invitations.map((i) => i.label)).toEqual(['待接受'])
    expect(invitations[0]!.href).toMatch(/^\/admin\/staff\/\d+$/)
    expect(await waitingOf('auditor@hope.demo')).toMatchObject({ invitations: null, batches: null })
  })

  it('reports due or overdue are listed for those who read the ledger', async () => {
    const admin = await waitingOf('admin@hope.demo')
    expect(admin.reports).toEqual(expect.any(Array))
    for (const r of admin.reports!) expect(r.href).toBe('/admin/reports')
    expect((await waitingOf('caseworker.huize@hope.demo')).reports).toBeNull()
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deskTotals, listDeskDonations, type DeskFilters, type DeskRow } from '~/modules/donations/desk.server'
import { lockDonation, reverseDonation } from '~/modules/donations/fulfil.server'
import { reconcilePayouts } from '~/modules/donations/reconcile.server'
import { closeDifferences, exportClose, getClose, prepareClose } from '~/modules/finance/close.server'
import { financePeriods, periodFigures } from '~/modules/finance/summary.server'
import { createStripeProvider } from '~/modules/payments/stripe.server'
import * as closeCsvRoute from '~/routes/admin.finance.close[.]csv'
import * as financeRoute from '~/routes/admin.finance._index'
import * as billsRoute from '~/routes/admin.finance.bills'
import * as reconcileRoute from '~/routes/admin.finance.reconcile'
import * as donationsRoute from '~/routes/admin.donations._index'
import * as exportRoute from '~/routes/admin.donations.export'
import { parseCsv } from '~/utils/csv'
import { chinaDate } from '~/utils/i18n'
import { call, cookieFor, get, post, seededDb, userId } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'
import { FakeStripe } from '../support/fake-stripe'

// The finance desk on the seeded demo: the amount filter, the finance figures against a
// recomputation from the rows, the desk totals kept by triggers against the rows, the
// payout reconciliation through the real stripe SDK against the local fake, and the close.

describe.skipIf(skipReason)(`finance desk on ${testDialect}`, () => {
  let t: TestDb
  let finance: string
  let auditor: string
  let caseworker: string
  let financeId: number

  beforeAll(async () => {
    t = await seededDb()
    finance = await cookieFor(t.db, 'finance@hope.demo')
    auditor = await cookieFor(t.db, 'auditor@hope.demo')
    caseworker = await cookieFor(t.db, 'caseworker.zhenxiong@hope.demo')
    financeId = await userId(t.db, 'finance@hope.demo')
  })
  afterAll(async () => t?.destroy())

  const allRows = async (f: DeskFilters = {}) => {
    const out: DeskRow[] = []
    let before: number | undefined
    for (;;) {
      const page = await listDeskDonations(t.db, { ...f, before })
      out.push(...page.rows)
      if (page.next === null) return out
      before = page.next
    }
  }
  const donations = () => t.db.selectFrom('donations').selectAll().orderBy('id').execute()
  const list = (query: string, cookie = finance) =>
    call(donationsRoute.loader, get(`/admin/donations?${query}`, cookie))

  it('filters by an amount range typed in yuan, in the list, the totals and the export', async () => {
    const rows = await donations()
    const amounts = [...new Set(rows.map((r) => r.amount))].sort((a, b) => a - b)
    expect(amounts.length).toBeGreaterThan(2)
    // A range with both bounds on real amounts (bounds included), written as people do.
    const lo = amounts[1]!
    const hi = amounts[amounts.length - 2]!
    const yuan = (fen: number) => `${Math.floor(fen / 100).toLocaleString('en')}.${String(fen % 100).padStart(2, '0')}`
    const expected = rows.filter((r) => r.amount >= lo && r.amount <= hi).map((r) => r.id)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(rows.length)
    const query = new URLSearchParams({ min: `¥${yuan(lo)}`, max: yuan(hi) }).toString()
    const first = await list(query)
    expect(first.status).toBe(200)
    const listed = (await allRows(first.body.filters)).map((r) => r.id).sort((a, b) => a - b)
    expect(listed).toEqual(expected)
    const totals = first.body.totals as { currency: string; count: number; amount: number }[]
    expect(totals.reduce((n, s) => n + s.count, 0)).toBe(expected.length)
    const inRange = rows.filter((r) => expected.includes(r.id))
    for (const s of totals)
      expect(s.amount).toBe(inRange.filter((r) => r.currency === s.currency).reduce((n, r) => n + r.amount, 0))
    const res = (await exportRoute.loader({
      request: get(`/admin/donations/export?${query}`, finance),
      params: {},
      context: {},
    } as never)) as Response
    const [, ...body] = parseCsv(new TextDecoder().decode(await res.arrayBuffer()))
    expect(body.length).toBe(expected.length)
    // One fen above the upper bound leaves the top gift out: integer fen, not floats.
    const just = await list(new URLSearchParams({ min: yuan(hi + 1) }).toString())
    expect((await allRows(just.body.filters)).every((r) => r.amount > hi)).toBe(true)
  })

  it('answers 400 with the message on the amount field for bad amounts', async () => {
    for (const [q, field, message] of [
      ['min=abc', 'min', 'desk.error.amount'],
      ['max=-5', 'max', 'desk.error.amount'],
      ['min=1.234', 'min', 'desk.error.amountDigits'],
      ['currency=JPY&min=1.5', 'min', 'desk.error.amountDigits'],
      ['min=200&max=100', 'max', 'desk.error.amountRange'],
      [`min=${'9'.repeat(30)}`, 'min', 'desk.error.amount'],
    ] as const) {
      const o = await list(q)
      expect(o.status, q).toBe(400)
      expect(o.body.error, q).toEqual({ field, message })
      const csv = (await exportRoute.loader({
        request: get(`/admin/donations/export?${q}`, finance),
        params: {},
        context: {},
      } as never)) as Response
      expect(csv.status, q).toBe(400)
    }
  })

  it('keeps the desk totals (donation_day_totals, by trigger) equal to the rows through changes', async () => {
    const rows = await donations()
    const campaign = rows.find((r) => r.campaign_id !== null)!.campaign_id!
    const day = chinaDate(rows.find((r) => r.paid_at)!.paid_at!)
    // A refund and a new pending gift change the rows; the totals must follow.
    const paid = rows.find((r) => r.status === 'paid')!
    await t.db.transaction().execute(async (trx) => {
      const d = (await lockDonation(trx, { publicId: paid.public_id }))!
      await reverseDonation(trx, d, {
        kind: 'refund',
        providerRef: 're_FinanceTotals1',
        amount: 100,
        currency: d.currency,
        occurredAt: new Date().toISOString(),
      })
    })
    const filters: DeskFilters[] = [
      {},
      { campaign },
      { campaign: 'none' },
      { status: 'paid' },
      { status: 'partially_refunded' },
      { method: 'demo', currency: 'CNY' },
      { frequency: 'monthly' },
      { from: day, to: day },
      { from: day },
      { to: day, campaign },
    ]
    for (const f of filters) {
      const fromRows = new Map<string, { count: number; amount: number; fee: number; refunded: number }>()
      for (const r of await allRows(f)) {
        const s = fromRows.get(r.currency) ?? { count: 0, amount: 0, fee: 0, refunded: 0 }
        fromRows.set(r.currency, {
          count: s.count + 1,
          amount: s.amount + r.amount,
          fee: s.fee + (r.fee_amount ?? 0),
          refunded: s.refunded + r.refunded_amount,
        })
      }
      const want = [...fromRows]
        .map(([currency, s]) => ({ currency, ...s }))
        .sort((a, b) => (a.currency < b.currency ? -1 : 1))
      expect(await deskTotals(t.db, f), JSON.stringify(f)).toEqual(want)
    }
    const refunded = (await deskTotals(t.db, { status: 'partially_refunded' })).find(
      (s) => s.currency === paid.currency,
    )
    expect(refunded!.refunded).toBeGreaterThanOrEqual(100)
  })

  it('computes the finance figures exactly as a recomputation from the rows (China days)', async () => {
    const rows = await donations()
    // Two gifts across the China-midnight boundary: 16:30 UTC on 30 November is 1 December in China.
    const [a, b] = rows.filter((r) => r.paid_at)
    await t.db.updateTable('donations').set({ paid_at: '2026-11-30T16:30:00.000Z' }).where('id', '=', a!.id).execute()
    await t.db.updateTable('donations').set({ paid_at: '2026-11-30T15:30:00.000Z' }).where('id', '=', b!.id).execute()
    const now = new Date('2026-12-01T03:00:00.000Z')
    const all = await t.db.selectFrom('donations').selectAll().execute()
    const reversals = await t.db.selectFrom('donation_reversals').selectAll().execute()
    const batches = await t.db.selectFrom('award_batches').selectAll().where('status', '=', 'paid').execute()
    for (const period of financePeriods(now)) {
      const f = await periodFigures(t.db, period)
      const inside = (at: string | null) => at !== null && chinaDate(at) >= period.start && chinaDate(at) < period.end
      const gifts = all.filter((r) => inside(r.paid_at))
      const sumBy = <K extends string>(key: (r: (typeof gifts)[number]) => K) => {
        const m = new Map<string, { count: number; gross: number; fees: number }>()
        for (const r of gifts) {
          const k = `${key(r)}|${r.currency}`
          const s = m.get(k) ?? { count: 0, gross: 0, fees: 0 }
          m.set(k, { count: s.count + 1, gross: s.gross + r.amount, fees: s.fees + (r.fee_amount ?? 0) })
        }
        return m
      }
      const check = (
        got: { currency: string; count: number; gross: number; fees: number; net: number }[],
        key: (g: any) => string,
        want: Map<string, { count: number; gross: number; fees: number }>,
      ) => {
        expect(got.length, period.name).toBe(want.size)
        for (const g of got) {
          const w = want.get(`${key(g)}|${g.currency}`)
          expect(w, `${period.name} ${key(g)}`).toBeDefined()
          expect(g).toMatchObject({ count: w!.count, gross: w!.gross, fees: w!.fees, net: w!.gross - w!.fees })
        }
      }
      check(
        f.gifts,
        () => '',
        sumBy(() => ''),
      )
      check(
        f.byMethod,
        (g) => g.method,
        sumBy((r) => r.provider),
      )
      check(
        f.byPurpose,
        (g) => `${g.campaignId}:${g.designation}`,
        sumBy((r) => `${r.campaign_id}:${r.designation}`),
      )
      const moved = (list: { occurred_at: string; amount: number; currency: string }[]) => {
        const m = new Map<string, { currency: string; count: number; amount: number }>()
        for (const r of list.filter((x) => inside(x.occurred_at))) {
          const s = m.get(r.currency) ?? { currency: r.currency, count: 0, amount: 0 }
          m.set(r.currency, { ...s, count: s.count + 1, amount: s.amount + r.amount })
        }
        return [...m.values()].sort((x, y) => (x.currency < y.currency ? -1 : 1))
      }
      expect(f.refunds, period.name).toEqual(moved(reversals.filter((r) => r.kind === 'refund')))
      expect(f.disputes, period.name).toEqual(moved(reversals.filter((r) => r.kind === 'dispute')))
      expect(f.payouts, period.name).toEqual(
        moved(batches.map((x) => ({ occurred_at: x.paid_at!, amount: x.total_amount, currency: x.currency }))),
      )
    }
    // The boundary itself: the 16:30 UTC gift is December's (today), the 15:30 one November's.
    const today = await periodFigures(t.db, financePeriods(now)[0]!)
    expect(today.gifts.reduce((n, g) => n + g.count, 0)).toBeGreaterThanOrEqual(1)
    const month = await periodFigures(t.db, financePeriods(new Date('2026-11-30T12:00:00Z'))[1]!)
    const novemberIds = all.filter((r) => r.paid_at && chinaDate(r.paid_at).startsWith('2026-11')).map((r) => r.id)
    expect(novemberIds).toContain(b!.id)
    expect(novemberIds).not.toContain(a!.id)
    expect(month.gifts.reduce((n, g) => n + g.count, 0)).toBe(novemberIds.length)
  })

  it('serves /admin/finance to finance and auditors, 403 to caseworkers', async () => {
    const page = await call(financeRoute.loader, get('/admin/finance', finance))
    expect(page.status).toBe(200)
    expect(page.body.figures.map((f: { period: { name: string } }) => f.period.name)).toEqual([
      'today',
      'month',
      'year',
    ])
    expect((await call(financeRoute.loader, get('/admin/finance', auditor))).status).toBe(200)
    expect((await call(financeRoute.loader, get('/admin/finance', caseworker))).status).toBe(403)
    expect((await call(reconcileRoute.loader, get('/admin/finance/reconcile', caseworker))).status).toBe(403)
    const demo = await call(reconcileRoute.loader, get('/admin/finance/reconcile', finance))
    expect(demo.status).toBe(200)
    expect(demo.body.result).toEqual({ available: false })
    expect(
      (await call(reconcileRoute.loader, get('/admin/finance/reconcile?from=2026-12-01&to=2026-11-01', finance)))
        .status,
    ).toBe(400)
    // The daily bills: the demo providers keep none; a bad day or provider is a 400, never a 500.
    expect((await call(billsRoute.loader, get('/admin/finance/bills', caseworker))).status).toBe(403)
    const bills = await call(billsRoute.loader, get('/admin/finance/bills?provider=alipay&date=2026-12-01', finance))
    expect(bills.status).toBe(200)
    expect(bills.body.result).toBe(false)
    expect((await call(billsRoute.loader, get('/admin/finance/bills?date=2026-13-01', finance))).status).toBe(400)
    const other = await call(billsRoute.loader, get('/admin/finance/bills?provider=paypal', finance))
    expect(other.status).toBe(400)
    expect(other.body.error).toBe('finance.bills.error.provider')
  })

  it('reconciles Stripe payouts with the books and flags every item on one side only', async () => {
    const stripe = await new FakeStripe().start()
    try {
      const rows = (await donations()).filter((r) => r.status === 'paid' && r.refunded_amount === 0)
      const [matched, differs, unpaid, refunded] = rows
      const at = '2026-11-20T04:00:00.000Z'
      for (const [r, charge] of [
        [matched, 'ch_Match'],
        [differs, 'ch_Differs'],
        [unpaid, 'ch_Unpaid'],
        [refunded, 'ch_Refunded'],
      ] as const)
        await t.db
          .updateTable('donations')
          .set({ provider: 'stripe', provider_charge_id: charge, paid_at: at, fee_amount: 0 })
          .where('id', '=', r!.id)
          .execute()
      await t.db.transaction().execute(async (trx) => {
        const d = (await lockDonation(trx, { publicId: refunded!.public_id }))!
        await reverseDonation(trx, d, {
          kind: 'refund',
          providerRef: 're_Booked',
          amount: 50,
          currency: d.currency,
          occurredAt: '2026-11-21T04:00:00.000Z',
        })
      })
      const created = Date.parse('2026-11-22T00:00:00Z') / 1000
      stripe.payouts.push({
        id: 'po_1',
        amount: 1,
        currency: 'CNY',
        created,
        arrival_date: created + 86400 * 2,
        transactions: [
          { id: 'txn_1', type: 'charge', source: 'ch_Match', amount: matched!.amount, fee: 0, currency: 'CNY' },
          { id: 'txn_2', type: 'charge', source: 'ch_Differs', amount: differs!.amount + 1, fee: 0, currency: 'CNY' },
          { id: 'txn_3', type: 'charge', source: 'ch_Refunded', amount: refunded!.amount, fee: 0, currency: 'CNY' },
          { id: 'txn_4', type: 'refund', source: 're_Booked', amount: -50, fee: 0, currency: 'CNY' },
          { id: 'txn_5', type: 'charge', source: 'ch_Stranger', amount: 777, fee: 0, currency: 'CNY' },
          { id: 'txn_6', type: 'refund', source: 're_Stranger', amount: -10, fee: 0, currency: 'CNY' },
          { id: 'txn_7', type: 'payout', source: 'po_1', amount: -1, fee: 0, currency: 'CNY' },
        ],
      })
      // A payout outside the range is not listed.
      stripe.payouts.push({
        id: 'po_old',
        amount: 1,
        currency: 'CNY',
        created: created - 86400 * 60,
        arrival_date: created,
        transactions: [],
      })
      const provider = createStripeProvider(stripe.providerOptions('whsec_test'))
      const r = await reconcilePayouts(t.db, provider, {
        from: '2026-10-31T16:00:00.000Z',
        to: '2026-11-30T16:00:00.000Z',
      })
      if (!r.available) throw new Error('the Stripe provider lists payouts')
      expect(r.payouts.map((p) => p.id)).toEqual(['po_1'])
      const flags = Object.fromEntries(r.payouts[0]!.items.map((i) => [i.item.source, i.flag]))
      expect(flags).toEqual({
        ch_Match: null,
        ch_Differs: 'amountDiffers',
        ch_Refunded: null,
        re_Booked: null,
        ch_Stranger: 'notInBooks',
        re_Stranger: 'notInBooks',
        po_1: null,
      })
      expect(r.payouts[0]!.items.find((i) => i.item.source === 'ch_Match')!.ours).toMatchObject({
        kind: 'donation',
        donationId: matched!.id,
      })
      expect(r.notInPayout.map((u) => [u.kind, u.ref])).toEqual([['donation', 'ch_Unpaid']])
      expect(r.flagged).toBe(4)
      // The real SDK asked for the payout's own transactions.
      expect(stripe.requests.some((q) => q.path === '/v1/balance_transactions' && q.form.payout === 'po_1')).toBe(true)
    } finally {
      await stripe.stop()
    }
  })

  it('freezes a month’s close on its first export; later changes show as differences, never edits', async () => {
    const now = new Date('2026-12-05T04:00:00.000Z')
    await expect(prepareClose(t.db, { month: '2026-12', userId: financeId }, now)).rejects.toMatchObject({
      messageKey: 'finance.close.error.notOver',
    })
    const close = await prepareClose(t.db, { month: '2026-11', userId: financeId }, now)
    const november = (await donations()).filter((r) => r.paid_at && chinaDate(r.paid_at).startsWith('2026-11'))
    expect(close.expected_count).toBe(november.length)
    expect(close.expected_count).toBeGreaterThan(1)
    const first = await exportClose(t.db, { month: '2026-11', userId: financeId }, now)
    expect(first.frozenNow).toBe(true)
    expect(first.file.startsWith('\uFEFF')).toBe(true)
    expect(parseCsv(first.file.slice(1)).length - 1).toBe(close.expected_count)

    // A late refund of a November gift changes the books, not the close.
    const gift = november.find((r) => r.status === 'paid')!
    await t.db.transaction().execute(async (trx) => {
      const d = (await lockDonation(trx, { publicId: gift.public_id }))!
      await reverseDonation(trx, d, {
        kind: 'refund',
        providerRef: 're_AfterClose',
        amount: 100,
        currency: d.currency,
        occurredAt: '2026-12-06T01:00:00.000Z',
      })
    })
    const second = await exportClose(t.db, { month: '2026-11', userId: financeId }, now)
    expect(second.frozenNow).toBe(false)
    expect(second.file).toBe(first.file)
    expect(second.sha256).toBe(first.sha256)
    const frozen = (await getClose(t.db, '2026-11'))!
    const diff = (await closeDifferences(t.db, frozen))!
    expect(diff.changed.map((c) => c.publicId)).toEqual([gift.public_id])
    expect(diff.changed[0]!.now.refunded - diff.changed[0]!.before.refunded).toBe(100)
    expect(diff.added).toEqual([])
    await expect(prepareClose(t.db, { month: '2026-11', userId: financeId }, now)).rejects.toMatchObject({
      messageKey: 'finance.close.error.frozen',
    })
    // The database itself refuses to edit or delete a frozen close.
    await expect(
      t.db.updateTable('finance_closes').set({ expected_count: 0 }).where('month', '=', '2026-11').execute(),
    ).rejects.toThrow(/frozen/)
    await expect(t.db.deleteFrom('finance_closes').where('month', '=', '2026-11').execute()).rejects.toThrow(/frozen/)
    expect((await getClose(t.db, '2026-11'))!.file).toBe(first.file)

    // Over HTTP: finance's POST and the auditor's GET return the same bytes; the auditor cannot freeze.
    const posted = (await closeCsvRoute.action({
      request: post('/admin/finance/close.csv', { month: '2026-11' }, finance),
      params: {},
      context: {},
    } as never)) as Response
    expect(posted.status).toBe(200)
    const bytes = new Uint8Array(await posted.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)).toBe(first.file)
    const got = (await closeCsvRoute.loader({
      request: get('/admin/finance/close.csv?month=2026-11', auditor),
      params: {},
      context: {},
    } as never)) as Response
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(await got.arrayBuffer())).toBe(first.file)
    expect(
      (await call(closeCsvRoute.action as never, post('/admin/finance/close.csv', { month: '2026-11' }, auditor)))
        .status,
    ).toBe(403)
    const audits = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'finance_close')
      .orderBy('id')
      .execute()
    expect(audits.map((a) => a.action)).toEqual([
      'finance.close.prepare',
      'finance.close.freeze',
      'finance.close.export',
      'finance.close.export',
      'finance.close.export',
    ])
  })

  it('refuses to freeze a close whose month changed after it was prepared', async () => {
    const now = new Date('2026-12-05T04:00:00.000Z')
    const rows = await donations()
    const gift = rows.find((r) => r.status === 'paid' && r.paid_at)!
    await t.db.updateTable('donations').set({ paid_at: '2026-10-15T04:00:00.000Z' }).where('id', '=', gift.id).execute()
    await prepareClose(t.db, { month: '2026-10', userId: financeId }, now)
    const other = rows.find((r) => r.status === 'paid' && r.paid_at && r.id !== gift.id)!
    await t.db
      .updateTable('donations')
      .set({ paid_at: '2026-10-16T04:00:00.000Z' })
      .where('id', '=', other.id)
      .execute()
    await expect(exportClose(t.db, { month: '2026-10', userId: financeId }, now)).rejects.toMatchObject({
      messageKey: 'finance.close.error.changed',
    })
    expect((await getClose(t.db, '2026-10'))!.frozen_at).toBeNull()
    const again = await prepareClose(t.db, { month: '2026-10', userId: financeId }, now)
    const october = (await donations()).filter((r) => r.paid_at && chinaDate(r.paid_at).startsWith('2026-10'))
    expect(october.map((r) => r.id)).toEqual(expect.arrayContaining([gift.id, other.id]))
    expect(again.expected_count).toBe(october.length)
    expect((await exportClose(t.db, { month: '2026-10', userId: financeId }, now)).frozenNow).toBe(true)
  })
})

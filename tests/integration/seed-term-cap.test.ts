import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cappedInTerm } from '~/modules/disbursements/batches.server'
import { disclosuresOf, openRefs } from '~/modules/ledger'
import { seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// The demo seed goes through the same rule as the app: one funded award per student per term,
// across programmes. Every award in the ledger is one award line holding the student's term cap.

describe.skipIf(skipReason)(`the demo seed and the term cap on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  it('gives no student two awards in one term, and every award holds its cap', async () => {
    const awards = await t.db
      .selectFrom('ledger_transactions')
      .select(['sequence', 'refs'])
      .where('kind', '=', 'award')
      .execute()
    expect(awards.length).toBeGreaterThan(0)
    // Version-2 records commit to the student's code: it is read from the disclosures.
    const disclosed = await disclosuresOf(
      t.db,
      awards.map((a) => a.sequence),
    )
    const seen = new Map<string, number>()
    let termed = 0
    for (const a of awards) {
      const refs = openRefs(JSON.parse(a.refs) as Record<string, string>, disclosed.get(a.sequence))
      // A micro-wish is a gift for one thing, not a term's award: the cap is about terms.
      if (refs.wish) continue
      termed++
      expect(refs.term, `award ${a.sequence} names its term`).toMatch(/^\d{4}-(spring|autumn)$/)
      const key = `${refs.beneficiary} ${refs.term}`
      seen.set(key, (seen.get(key) ?? 0) + 1)
    }
    expect([...seen].filter(([, n]) => n > 1)).toEqual([])
    // Each of them holds its cap, so the app refuses a second award in that term.
    const caps = await t.db.selectFrom('award_term_caps').select(['beneficiary_id', 'term']).execute()
    expect(caps.length).toBe(termed)
    for (const [key] of seen) {
      const [code, term] = key.split(' ')
      const student = await t.db
        .selectFrom('beneficiaries')
        .select('id')
        .where('public_code', '=', code!)
        .executeTakeFirstOrThrow()
      expect(await cappedInTerm(t.db, term!, [Number(student.id)])).toEqual(new Set([Number(student.id)]))
    }
  })
})

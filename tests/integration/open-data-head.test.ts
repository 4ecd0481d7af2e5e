import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getHead } from '~/modules/ledger'
import * as headRoute from '~/routes/open-data.head[.]json'
import * as fileRoute from '~/routes/open-data.$file'
import { get, seededDb } from '../support/auth-fixtures'
import { skipReason, testDialect, type TestDb } from '../support/db'

// The chain head file that public/open-data.md promises beside the datasets.
describe.skipIf(skipReason)(`/open-data/head.json on ${testDialect}`, () => {
  let t: TestDb
  beforeAll(async () => {
    t = await seededDb()
  })
  afterAll(async () => t?.destroy())

  it('is the last exported transaction, in the documented shape, with an ETag', async () => {
    const res = (await headRoute.loader({ request: get('/open-data/head.json'), params: {}, context: {} })) as Response
    expect(res.headers.get('Content-Type')).toMatch(/application\/json/)
    const body = await res.json()
    const head = await getHead(t.db)
    expect(body).toEqual({ sequence: String(head.sequence), hash: head.hash })
    const lines = await (
      (await fileRoute.loader({
        request: get('/open-data/transactions.jsonl'),
        params: { file: 'transactions.jsonl' },
        context: {},
      })) as Response
    ).text()
    const last = JSON.parse(lines.trim().split('\n').at(-1)!)
    expect({ sequence: last.sequence, hash: last.hash }).toEqual(body)
    const again = (await headRoute.loader({
      request: new Request(get('/open-data/head.json').url, { headers: { 'If-None-Match': res.headers.get('ETag')! } }),
      params: {},
      context: {},
    })) as Response
    expect(again.status).toBe(304)
  })
})

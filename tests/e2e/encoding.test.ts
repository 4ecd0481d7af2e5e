import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip } from '../support/browser'
import { publicUrls } from '../support/public-urls'

// Every public page and download, in both languages, over the built server: the bytes
// must be valid UTF-8 with no U+0000 and no U+FFFD. React 18's Node stream renderer padded
// a 2 KiB chunk with NULs when a Chinese character did not fit at its end (/ledger in
// zh-CN); a decoder that replaces bad bytes (res.text()) would hide that, so decode fatally.

const decoder = new TextDecoder('utf-8', { fatal: true })

describe.skipIf(e2eSkip)('the bytes of every public page', () => {
  let db: DB
  let urls: string[] = []
  beforeAll(async () => {
    db = createDatabase(inject('e2eDatabaseUrl')).db
    urls = (await publicUrls(db)).urls
  })
  afterAll(async () => {
    await db?.destroy()
  })

  it('are valid UTF-8 with no NUL and no replacement character, in zh-CN and English', async () => {
    const bad: string[] = []
    let checked = 0
    for (const url of urls) {
      for (const lng of ['zh-CN', 'en']) {
        const res = await fetch(baseUrl + url, { headers: { 'Accept-Language': lng }, redirect: 'manual' })
        const bytes = new Uint8Array(await res.arrayBuffer())
        if (/pdf/.test(res.headers.get('Content-Type') ?? '')) continue
        let text: string
        try {
          text = decoder.decode(bytes)
        } catch {
          bad.push(`${url} (${lng}): not valid UTF-8`)
          continue
        }
        checked++
        for (const [name, ch] of [
          ['U+0000', '\u0000'],
          ['U+FFFD', '\uFFFD'],
        ] as const) {
          const at = text.indexOf(ch)
          if (at >= 0) bad.push(`${url} (${lng}): ${name} in …${text.slice(Math.max(0, at - 30), at + 30)}…`)
        }
      }
    }
    expect(bad).toEqual([])
    // The page that carried the NULs, and enough of the rest to mean something.
    expect(urls).toContain('/ledger')
    expect(checked).toBeGreaterThan(40)
  })
})

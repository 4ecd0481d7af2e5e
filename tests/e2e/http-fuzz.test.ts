import fs from 'node:fs'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { createSession } from '~/modules/auth/session.server'
import { createDatabase, type DB } from '~/utils/db.server'
import { baseUrl, e2eSkip } from '../support/browser'

// A bounded, seeded fuzz of the built server (`npm start`'s entry): every route file in
// app/routes × every method × several body types, malformed bodies, hostile path and
// query values, as anonymous and as each role. Nothing may answer 500, no body may carry
// a stack trace or a server path, and a refused request writes nothing.
// FUZZ_SEED=<n> replays another run; the failing request is printed with its seed.

const SEED = Number(process.env.FUZZ_SEED ?? 1515)
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = prng(SEED)
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!

const HOSTILE = [
  '',
  ' ',
  '1',
  '0',
  '-1',
  '1.5',
  '1e309',
  'NaN',
  '99999999999999999999999',
  '2026-99-99',
  '2026-02-30',
  'ZZZZ',
  'cny',
  'x'.repeat(5000),
  '<script>alert(1)</script>',
  "'; drop table donations; --",
  '../../etc/passwd',
  '%',
  '%ff',
  '\u0000',
  '\ud800',
  '[]',
  '{"a":1}',
  'true',
  '/\t/evil.example',
  '//evil.example',
  'javascript:alert(1)',
  '林小明',
] as const
const FIELDS = [
  ...new Set(
    ['app/routes', 'app/components']
      .flatMap((dir) => fs.readdirSync(dir, { recursive: true }).map((f) => `${dir}/${String(f)}`))
      .filter((f) => /\.tsx?$/.test(f))
      .flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/name="([a-zA-Z_]+)"/g)].map((m) => m[1]!)),
  ),
]
const INTENTS = ['approve', 'reject', 'cancel', 'claim', 'pay', 'payout', 'publish', 'record', 'retry', 'withdraw', 'x']
const QUERY_KEYS = ['redirectTo', 'to', 'from', 'page', 'q', 'currency', 'campaign', 'donation', 'code', 'number']
  .concat(['done', 'lng', '_data', 'index', 'cursor', 'limit', 'wish', 'sponsorship', 'format', 'fund', 'before'])
  .concat(['after', 'year', 'sent', 'welcome', 'status', 'action', 'actor'])
const PATH_VALUES = ['1', '2', '0', '-1', 'x', '%ff', '99999999999', '1.5', '..%2f', 'D-1', 'hope-star-2026', '2026']

// Route files → URL templates: dots are slashes, `_index` is the parent, a trailing `_`
// only escapes the layout, `[.]` is a literal dot, `$x` a parameter, `$` a splat.
const routes = fs
  .readdirSync('app/routes')
  .filter((f) => /\.tsx?$/.test(f))
  .sort()
  .map((file) =>
    file
      .replace(/\.tsx?$/, '')
      .replace(/\[\.\]/g, '~dot~')
      .split('.')
      .filter((s) => s !== '_index')
      .map((s) => s.replace(/_$/, '').replace(/~dot~/g, '.'))
      .join('/'),
  )
const urlFor = (template: string) =>
  '/' +
  template
    .split('/')
    .map((s) => (s.startsWith('$') ? s.replace(/^\$[a-zA-Z]*/, () => pick(PATH_VALUES)) : s))
    .join('/')
    .replace(/^\/$/, '')

function query(): string {
  if (random() < 0.3) return ''
  const q = new URLSearchParams()
  for (let i = 0; i < 1 + Math.floor(random() * 3); i++) q.append(pick(QUERY_KEYS), pick(HOSTILE))
  return `?${q.toString().replace(/=$/, '')}`
}
function form(): Record<string, string> {
  const out: Record<string, string> = { intent: pick(INTENTS) }
  for (let i = 0; i < 2 + Math.floor(random() * 8); i++) out[pick(FIELDS)] = pick(HOSTILE)
  return out
}

type Body = { contentType?: string; body?: string | Blob; label: string }
function body(): Body {
  const fields = form()
  switch (Math.floor(random() * 8)) {
    case 0:
    case 1:
      return {
        contentType: 'application/x-www-form-urlencoded',
        body: new URLSearchParams(fields).toString(),
        label: 'form',
      }
    case 2: {
      const b = 'fuzzBoundary' + Math.floor(random() * 1e6)
      const parts = Object.entries(fields).map(
        ([k, v]) => `--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
      )
      parts.push(
        `--${b}\r\nContent-Disposition: form-data; name="${pick(['file', 'proof', 'csv', 'photo'])}"; filename="p.pdf"\r\n` +
          `Content-Type: application/pdf\r\n\r\n%PDF-1.4\n<html><script>alert(1)</script></html>\r\n`,
      )
      return {
        contentType: `multipart/form-data; boundary=${b}`,
        body: parts.join('') + `--${b}--\r\n`,
        label: 'multipart',
      }
    }
    case 3:
      return { contentType: 'multipart/form-data; boundary=xyz', body: '--xyz\r\nbroken', label: 'bad multipart' }
    case 4:
      return { contentType: 'application/json', body: JSON.stringify(fields), label: 'json' }
    case 5:
      return { contentType: pick(['text/plain', 'application/xml']), body: '<a>1</a>', label: 'text/xml' }
    case 6:
      return {
        contentType: 'application/x-www-form-urlencoded',
        body: new Blob([new Uint8Array([0xff, 0xfe, 0x25, 0x3d])]),
        label: 'bytes',
      }
    default:
      return { label: 'no body' }
  }
}

// What a trace or a server path looks like in a body.
const LEAK = [/\n\s*at \S+.*:\d+:\d+/, /\/work\//, /node_modules/, /\.tsx?:\d+/, new RegExp(process.cwd())]

const WRITTEN = ['donations', 'ledger_transactions', 'receipts', 'beneficiaries', 'beneficiary_consents']
  .concat(['award_batches', 'award_lines', 'wish_claims', 'sponsorships', 'sponsorship_letters', 'mail_outbox'])
  .concat(['users', 'role_grants', 'staff_invites', 'proof_files', 'disclosure_reports'])

async function counts(db: DB): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const table of WRITTEN) {
    const row = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)
    out[table] = Number(row.rows[0]?.n)
  }
  // The audit log records staff reads (the page re-rendered after a refusal) and refused
  // sign-ins; anything else in it is a write.
  const audit = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', 'not like', '%read')
    .where('action', 'not in', ['auth.login_failed', 'auth.login_rate_limited'])
    .executeTakeFirstOrThrow()
  out.audit_log = Number(audit.n)
  return out
}

describe.skipIf(e2eSkip)('HTTP fuzz over every route', () => {
  let db: DB
  const cookies: Record<string, string> = { anonymous: '' }
  beforeAll(async () => {
    db = createDatabase(inject('e2eDatabaseUrl')).db
    // One session per role, made directly (TOTP enrolment elsewhere in the suite must not matter).
    const grants = await db.selectFrom('role_grants').select(['role', 'user_id']).orderBy('id').execute()
    for (const role of ['admin', 'finance', 'caseworker', 'auditor', 'donor']) {
      const grant = grants.find((g) => g.role === role)
      if (!grant) continue
      const { token } = await createSession(db, { userId: Number(grant.user_id), twoFactorVerified: true })
      cookies[role] = `hl_session=${token}`
    }
  })
  afterAll(async () => {
    await db?.destroy()
  })

  const failures: string[] = []
  async function send(method: string, url: string, who: string, b: Body): Promise<number> {
    const headers: Record<string, string> = { Origin: baseUrl }
    if (cookies[who]) headers.Cookie = cookies[who]!
    if (b.contentType) headers['Content-Type'] = b.contentType
    const res = await fetch(baseUrl + url, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : b.body,
      redirect: 'manual',
    })
    const text = await res.text()
    const what = `seed ${SEED}: ${who} ${method} ${url} [${b.label}] → ${res.status}`
    if (res.status >= 500) failures.push(`${what}: ${text.slice(0, 200)}`)
    const leak = LEAK.find((re) => re.test(text))
    if (leak) failures.push(`${what}: leaks ${leak} in ${text.slice(0, 200)}`)
    return res.status
  }

  it('refuses wrong methods, content types and malformed bodies at the gate, writing nothing', async () => {
    const before = await counts(db)
    let sent = 0
    for (const template of routes) {
      for (const who of Object.keys(cookies)) {
        for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
          const status = await send(method, urlFor(template) + query(), who, body())
          expect(status, `${who} ${method} /${template}`).toBe(405)
          sent++
        }
        const bad = pick([
          { contentType: 'application/json', body: '{"email":"a"}', label: 'json' },
          { contentType: 'text/plain', body: 'email=a', label: 'text' },
          { contentType: 'application/xml', body: '<a/>', label: 'xml' },
          { contentType: 'multipart/form-data; boundary=xyz', body: '--xyz\r\nbroken', label: 'bad multipart' },
          { contentType: 'multipart/form-data', body: 'no boundary', label: 'multipart without boundary' },
        ])
        if (!template.startsWith('webhooks')) {
          const status = await send('POST', urlFor(template) + query(), who, bad)
          expect([400, 415], `${who} POST /${template} [${bad.label}]`).toContain(status)
          sent++
        }
      }
    }
    expect(failures).toEqual([])
    expect(await counts(db)).toEqual(before)
    expect(sent).toBeGreaterThan(1000)
  })

  it('answers the requests that once answered 500 with a 4xx or the page', async () => {
    const form = { contentType: 'application/x-www-form-urlencoded', label: 'form' }
    const cases: [string, string, string, Body][] = [
      ['anonymous', 'POST', '/donate?index', { ...form, body: 'amountChoice=10000&currency=ZZZZ&campaign=x' }],
      ['anonymous', 'POST', '/donate?index', { ...form, body: 'amountChoice=10000&currency=' }],
      ['auditor', 'GET', '/admin/audit?to=2026-99-99&from=2026-13-01', { label: 'no body' }],
      ['anonymous', 'GET', '/?_data=routes%2Froot', { label: 'no body' }],
      ['admin', 'GET', '/admin/batches/%ff', { label: 'no body' }],
      ['anonymous', 'GET', '/open-data/donations.csv?from=2026-99-99', { label: 'no body' }],
      ['anonymous', 'GET', '/api/v1/transactions?from=2026-99-99&to=2026-02-30', { label: 'no body' }],
    ]
    failures.length = 0
    for (const [who, method, url, b] of cases)
      expect(await send(method, url, who, b), `${method} ${url}`).toBeLessThan(500)
    expect(failures).toEqual([])
  })

  it('staff and personal pages are never stored; every answer has a Permissions-Policy', async () => {
    const head = async (url: string, who = 'anonymous') =>
      (await fetch(baseUrl + url, { headers: cookies[who] ? { Cookie: cookies[who]! } : {}, redirect: 'manual' }))
        .headers
    for (const url of ['/admin/students/1', '/admin/students/1/consent', '/admin', '/admin/audit'])
      expect((await head(url, 'admin')).get('cache-control'), url).toBe('no-store')
    for (const url of ['/login', '/donor', '/donate/thanks?donation=D-X', '/trace/0000000000000000000000000'])
      expect((await head(url)).get('cache-control'), url).toBe('no-store')
    for (const url of ['/', '/ledger', '/transparency']) {
      const h = await head(url)
      expect(h.get('cache-control'), url).not.toBe('no-store')
      expect(h.get('permissions-policy'), url).toContain('camera=()')
      // BASE_URL is http:// here: no HSTS (it would pin a plain-HTTP test host).
      expect(h.get('strict-transport-security'), url).toBeNull()
    }
  })

  it('answers every route, method and hostile value with a 4xx at worst, and never a trace', async () => {
    failures.length = 0
    let sent = 0
    for (const template of routes) {
      for (const who of Object.keys(cookies)) {
        for (let i = 0; i < 5; i++) {
          const method = pick(['GET', 'GET', 'HEAD', 'POST', 'POST'])
          const url = urlFor(template) + query()
          const b = body()
          const before = method === 'POST' ? await counts(db) : undefined
          const status = await send(method, url, who, b)
          sent++
          // A refusal writes nothing (the audit log records staff reads, so GETs are not checked).
          if (before && status >= 400) {
            const after = await counts(db)
            if (JSON.stringify(after) !== JSON.stringify(before))
              failures.push(`seed ${SEED}: ${who} POST ${url} [${b.label}] → ${status} wrote rows`)
          }
        }
      }
      // A fuzzed action may sign a role out (/logout, session revocation): sign in again.
      for (const who of Object.keys(cookies).filter((w) => w !== 'anonymous')) {
        const grant = await db
          .selectFrom('role_grants')
          .select('user_id')
          .where('role', '=', who as 'admin')
          .orderBy('id')
          .executeTakeFirst()
        if (grant)
          cookies[who] =
            `hl_session=${(await createSession(db, { userId: Number(grant.user_id), twoFactorVerified: true })).token}`
      }
    }
    expect(failures).toEqual([])
    expect(sent).toBeGreaterThan(1000)
  })
})

import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { roleHas, type Permission, type RouteAccess } from '~/modules/auth/permissions'
import { createDatabase } from '~/utils/db.server'
import { baseUrl, e2eSkip } from '../support/browser'

// The role matrix again, over real HTTP against the built Express server: every admin
// page (from app/routes) × anonymous and three roles, plus the wrong county.
// (Admin is covered by the integration matrix; here it has TOTP enrolled by staff.test.ts.)

const files = fs
  .readdirSync('app/routes')
  .filter((f) => /^admin(\.|$)/.test(f) && !/\.server\.tsx?$/.test(f)) // <route>.server.ts: a route's helpers
  .sort()
// Seed order: student 1 is in 镇雄 (530627), user 4 is the 镇雄 caseworker.
const PARAMS: Record<string, string> = { id: '1', id_: '1' } // id_: admin.students.$id_.consent|status (outside the detail page's layout)
const NEEDS_INPUT = new Set(['admin.finance.close[.]csv.tsx'])
// Batches: the first one of a 镇雄 station (the seed's paid batches are in other counties too).
let zhenxiongBatch = '1'
const urlOf = (file: string) =>
  '/' +
  file
    .replace(/\.tsx?$/, '')
    .replace(/\[\.\]/g, '~dot~') // an escaped dot ([.]json) stays inside its segment
    .split('.')
    .filter((s) => s !== '_index')
    .map((s) =>
      s.startsWith('$')
        ? file.includes('staff')
          ? '4'
          : file.includes('batches')
            ? zhenxiongBatch
            : PARAMS[s.slice(1)]!
        : s,
    )
    .join('/')
    .replace(/~dot~/g, '.')

async function signIn(email: string): Promise<string> {
  const res = await fetch(baseUrl + '/login', {
    method: 'POST',
    headers: { Origin: baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password: 'hope-demo-2026', redirectTo: '/admin' }),
    redirect: 'manual',
  })
  expect(res.status, email).toBe(302)
  return /hl_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0]
}

const status = async (url: string, cookie?: string) => {
  const res = await fetch(baseUrl + url, { headers: cookie ? { Cookie: cookie } : {}, redirect: 'manual' })
  return { status: res.status, location: res.headers.get('location') ?? '' }
}

describe.skipIf(e2eSkip)('admin pages over HTTP', () => {
  it('answers each role exactly as the permission table says', async () => {
    const db = createDatabase(inject('e2eDatabaseUrl')).db
    const batch = await db
      .selectFrom('award_batches as b')
      .innerJoin('stations as s', 's.id', 'b.station_id')
      .select('b.id')
      .where('s.code', 'like', '530627%')
      .orderBy('b.id')
      .executeTakeFirstOrThrow()
    await db.destroy()
    zhenxiongBatch = String(batch.id)
    const who = {
      finance: 'finance2@hope.demo',
      caseworker: 'caseworker.zhenxiong@hope.demo',
      auditor: 'auditor@hope.demo',
    } as const
    const cookies = Object.fromEntries(
      await Promise.all(Object.entries(who).map(async ([role, email]) => [role, await signIn(email)])),
    )
    const huize = await signIn('caseworker.huize@hope.demo')
    let checked = 0
    for (const file of files) {
      const mod = (await import(path.resolve('app/routes', file))) as { access?: RouteAccess; loader?: unknown }
      if (!mod.loader) continue
      const url = urlOf(file)
      const anon = await status(url)
      expect(anon.status, `anonymous ${url}`).toBe(302)
      expect(anon.location).toMatch(/^\/login\?redirectTo=/)
      for (const role of Object.keys(who)) {
        const got = await status(url, cookies[role])
        const allowed = roleHas(role, mod.access!.loader as Permission)
        // A download that needs what the matrix cannot name (a frozen month): let in, it answers that input's 4xx.
        if (allowed && NEEDS_INPUT.has(file)) expect([200, 400, 404, 409], `${role} ${url}`).toContain(got.status)
        else expect(got.status, `${role} ${url}`).toBe(allowed ? 200 : 403)
        checked++
      }
      if (file === 'admin.students.$id.tsx') expect((await status(url, huize)).status, 'wrong county').toBe(404)
    }
    expect(checked).toBeGreaterThanOrEqual(30)
  })

  it('refuses a state change from a foreign origin even with a valid session', async () => {
    const cookie = await signIn('auditor@hope.demo')
    const res = await fetch(baseUrl + '/admin/sessions', {
      method: 'POST',
      headers: { Cookie: cookie, Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'intent=revoke-others',
      redirect: 'manual',
    })
    expect(res.status).toBe(403)
    expect((await status('/admin/sessions', cookie)).status).toBe(200)
  })
})

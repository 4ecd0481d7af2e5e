import { describe, expect, it } from 'vitest'
import { can, stationScope, type Grant } from '~/modules/auth/authorize.server'
import { checkOrigin } from '~/modules/auth/csrf.server'
import { PERMISSIONS, permissionsOf, ROLE_PERMISSIONS, roleHas } from '~/modules/auth/permissions'
import { matchStep } from '~/modules/auth/totp.server'
import { seal, sha256Hex, unseal } from '~/modules/auth/tokens.server'
import { normaliseScope, pathInScope } from '~/modules/stations/scope.server'

const grant = (role: string, stationPath: string | null): Grant => ({
  id: 1,
  role,
  stationId: stationPath ? 1 : null,
  stationPath,
  stationName: null,
})

describe('permission table', () => {
  it('an unknown role, or a non-string, gets nothing', () => {
    for (const role of ['superuser', 'ADMIN', '', '__proto__', 'constructor', 'toString', null, undefined, 42, {}]) {
      expect(permissionsOf(role).size, String(role)).toBe(0)
    }
    expect(can({ grants: [grant('superuser', '/1/')] }, 'admin.access')).toBe(false)
  })

  it('names only declared permissions; auditors change nothing; donors see no staff page', () => {
    for (const perms of Object.values(ROLE_PERMISSIONS)) for (const p of perms) expect(PERMISSIONS).toContain(p)
    expect(ROLE_PERMISSIONS.auditor.filter((p) => /write|manage|approve|prepare/.test(p))).toEqual([])
    expect(roleHas('donor', 'admin.access')).toBe(false)
    expect(roleHas('finance', 'disbursements.approve')).toBe(true)
    expect(roleHas('caseworker', 'disbursements.approve')).toBe(false)
  })
})

describe('station scope', () => {
  it('a grant covers its subtree only', () => {
    const user = { grants: [grant('caseworker', '/1/2/7/')] }
    expect(stationScope(user, 'students.read')).toEqual(['/1/2/7/'])
    expect(can(user, 'students.read', '/1/2/7/31/')).toBe(true)
    expect(can(user, 'students.read', '/1/2/7/')).toBe(true)
    expect(can(user, 'students.read', '/1/2/8/')).toBe(false)
    expect(can(user, 'students.read', '/1/2/70/')).toBe(false) // prefix of digits is not a subtree
    expect(can(user, 'students.read', '/1/')).toBe(false)
    expect(stationScope(user, 'staff.manage')).toEqual([])
  })

  it('donor grants (no station) never scope anything; nested prefixes collapse', () => {
    expect(stationScope({ grants: [grant('donor', null)] }, 'donor.portal')).toEqual([])
    expect(normaliseScope(['/1/2/', '/1/', '/1/2/7/', '/3/'])).toEqual(['/1/', '/3/'])
    expect(pathInScope([], '/1/')).toBe(false)
  })
})

describe('CSRF origin check', () => {
  const base = 'https://hope.example.org'
  const req = (method: string, url: string, headers: Record<string, string> = {}) =>
    new Request(new URL(url, base), { method, headers })
  it('lets GET and HEAD through and checks every other method', () => {
    expect(checkOrigin(req('GET', '/admin'), base)).toBe(true)
    expect(checkOrigin(req('HEAD', '/admin'), base)).toBe(true)
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(checkOrigin(req(m, '/logout', { Origin: base }), base), m).toBe(true)
      expect(checkOrigin(req(m, '/logout', { Origin: 'https://evil.example' }), base), m).toBe(false)
    }
  })
  it('refuses a foreign, null or look-alike origin, and a request with neither header', () => {
    expect(checkOrigin(req('POST', '/login', { Origin: 'null' }), base)).toBe(false)
    expect(checkOrigin(req('POST', '/login', { Origin: 'https://hope.example.org.evil.example' }), base)).toBe(false)
    expect(checkOrigin(req('POST', '/login', { Origin: 'http://hope.example.org' }), base)).toBe(false)
    expect(checkOrigin(req('POST', '/login'), base)).toBe(false)
  })
  it('falls back to Sec-Fetch-Site; exempts only /webhooks/*', () => {
    expect(checkOrigin(req('POST', '/login', { 'Sec-Fetch-Site': 'same-origin' }), base)).toBe(true)
    expect(checkOrigin(req('POST', '/login', { 'Sec-Fetch-Site': 'same-site' }), base)).toBe(false)
    expect(checkOrigin(req('POST', '/login', { 'Sec-Fetch-Site': 'cross-site' }), base)).toBe(false)
    expect(checkOrigin(req('POST', '/webhooks/stripe'), base)).toBe(true)
    expect(checkOrigin(req('POST', '/webhooksx'), base)).toBe(false)
    expect(checkOrigin({ method: 'POST', url: '/webhooks/stripe', headers: { get: () => null } }, base)).toBe(true)
  })
})

describe('TOTP and secrets', () => {
  it('matches the RFC 6238 SHA-1 vector (6-digit truncation) with one step of drift', () => {
    const key = new TextEncoder().encode('12345678901234567890')
    // RFC 6238 T=59 s → 94287082; six digits: 287082 (step 1).
    expect(matchStep(key, '287082', 59_000)).toBe(1)
    expect(matchStep(key, '287082', 59_000 + 30_000)).toBe(1)
    expect(matchStep(key, '287082', 59_000 + 60_000)).toBeNull()
    expect(matchStep(key, '28708', 59_000)).toBeNull()
  })
  it('seals secrets with authenticated encryption; hashes are hex SHA-256', () => {
    const secret = 'x'.repeat(40)
    const sealed = seal(new Uint8Array([1, 2, 3]), secret)
    expect([...unseal(sealed, secret)]).toEqual([1, 2, 3])
    expect(() => unseal(sealed, 'y'.repeat(40))).toThrow()
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})

describe('session cookie', () => {
  it('is HttpOnly and SameSite=Lax always, Secure in production only, and lives no longer than the absolute limit', async () => {
    const { ABSOLUTE_TIMEOUT_MS, getLucia, sessionCookie } = await import('~/modules/auth/session.server')
    const now = Date.now()
    const prod = sessionCookie('tok', new Date(now + ABSOLUTE_TIMEOUT_MS), 'production', now)
    const dev = sessionCookie('tok', new Date(now + ABSOLUTE_TIMEOUT_MS), 'development', now)
    for (const c of [prod, dev]) {
      expect(c).toMatch(/HttpOnly/)
      expect(c).toMatch(/SameSite=Lax/)
      expect(c).toMatch(/Path=\//)
      expect(c).toContain(`Max-Age=${ABSOLUTE_TIMEOUT_MS / 1000}`)
    }
    expect(prod).toMatch(/Secure/)
    expect(dev).not.toMatch(/Secure/)
    const blank = getLucia({} as never, 'production')
      .createBlankSessionCookie()
      .serialize()
    expect(blank).toMatch(/hl_session=;.*Max-Age=0/)
  })
})

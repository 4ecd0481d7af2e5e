// Helpers for the staff-access tests: a seeded database wired into the app, sessions
// for the demo staff, and calls straight into route loaders and actions.
import type { ActionFunctionArgs, AppLoadContext, LoaderFunctionArgs } from '@remix-run/node'
import { createSession } from '~/modules/auth/session.server'
import { setDb, type DB } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { createTestDb, type TestDb } from './db'

// Vite puts its own BASE_URL ('/') into the environment; the app's BASE_URL is an origin.
if (!/^https?:\/\//.test(process.env.BASE_URL ?? '')) process.env.BASE_URL = 'http://localhost:3000'
export const BASE = getEnv().BASE_URL
export const DEMO_PASSWORD = 'hope-demo-2026'

/** A copy of the run's demo-seeded template (seedDemo as of SEEDED_AT), wired into the app. */
export async function seededDb(): Promise<TestDb> {
  const t = await createTestDb({ seeded: true })
  setDb(t.db)
  return t
}

export async function userId(db: DB, email: string): Promise<number> {
  const row = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()
  return Number(row.id)
}

export async function stationId(db: DB, code: string): Promise<number> {
  const row = await db.selectFrom('stations').select('id').where('code', '=', code).executeTakeFirstOrThrow()
  return Number(row.id)
}

/** A Cookie header for a fresh session of this user (as if they had signed in). */
export async function cookieFor(
  db: DB,
  email: string,
  options: { twoFactorVerified?: boolean; pendingTotp?: boolean } = {},
): Promise<string> {
  const id = await userId(db, email)
  const { token } = await createSession(db, {
    userId: id,
    twoFactorVerified: options.twoFactorVerified ?? false,
    pendingTotp: options.pendingTotp,
  })
  return `hl_session=${token}`
}

export function tokenFromSetCookie(setCookie: string | null | undefined): string | null {
  return /hl_session=([^;]*)/.exec(setCookie ?? '')?.[1] || null
}

export function get(path: string, cookie?: string | null): Request {
  return new Request(BASE + path, { headers: cookie ? { Cookie: cookie } : {} })
}

export function post(path: string, form: Record<string, string>, cookie?: string | null): Request {
  const headers: Record<string, string> = { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' }
  if (cookie) headers.Cookie = cookie
  return new Request(BASE + path, { method: 'POST', headers, body: new URLSearchParams(form).toString() })
}

export type Outcome = { status: number; location: string | null; setCookie: string | null; body: any }

function normalise(result: unknown): Outcome {
  if (result instanceof Response) {
    return {
      status: result.status,
      location: result.headers.get('Location'),
      setCookie: result.headers.get('Set-Cookie'),
      body: undefined,
    }
  }
  if (result && typeof result === 'object' && (result as { type?: string }).type === 'DataWithResponseInit') {
    const r = result as { data: unknown; init?: ResponseInit | null }
    const headers = new Headers(r.init?.headers)
    return {
      status: r.init?.status ?? 200,
      location: headers.get('Location'),
      setCookie: headers.get('Set-Cookie'),
      body: r.data,
    }
  }
  return { status: 200, location: null, setCookie: null, body: result }
}

type RouteFn = (args: LoaderFunctionArgs | ActionFunctionArgs) => unknown

/** Run a loader or action as Remix would, turning thrown and returned Responses into one outcome. */
export async function call(
  fn: RouteFn | undefined,
  request: Request,
  params: Record<string, string> = {},
  context: AppLoadContext = { clientIp: '203.0.113.7' },
): Promise<Outcome> {
  if (!fn) throw new Error('no such route function')
  try {
    return normalise(await fn({ request, params, context } as LoaderFunctionArgs))
  } catch (error) {
    if (error instanceof Response) return normalise(error)
    throw error
  }
}

export const isLoginRedirect = (o: Outcome) => o.status === 302 && (o.location ?? '').startsWith('/login')

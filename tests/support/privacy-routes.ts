// The public routes, listed from app/routes on disk so that a new route is covered
// without anyone remembering to add it. Staff pages, sign-in, webhooks and
// state-changing endpoints are left out (they are not public reads).
import fs from 'node:fs'
import path from 'node:path'

export const ROUTES_DIR = path.resolve('app/routes')
const NOT_PUBLIC = /^(admin|webhooks|login|logout|invite|locale)(\.|_|\[|$)/

export function publicRouteFiles(): string[] {
  return (
    fs
      .readdirSync(ROUTES_DIR)
      // <route>.server.ts beside a route is its helpers, not a route (remix.config.js ignores it).
      .filter((f) => /\.tsx?$/.test(f) && !/\.server\.tsx?$/.test(f) && !NOT_PUBLIC.test(f) && f !== '$.tsx')
      .sort()
  )
}

/** URL path of a flat-routes file with its params filled from `params` ('x' when unknown). */
export function urlOf(file: string, params: Record<string, string>): string {
  const segments = file
    .replace(/\.tsx?$/, '')
    .replace(/\[\.\]/g, '\u0000')
    .split('.')
    .filter((s) => s !== '_index' && !s.startsWith('_'))
    // eslint-disable-next-line no-control-regex -- NUL stands for an escaped dot in the route id
    .map((s) => s.replace(/_$/, '').replace(/\u0000/g, '.'))
    .map((s) => s.replace(/\$(\w+)/g, (_, name: string) => params[name] ?? 'x'))
  return '/' + segments.join('/')
}

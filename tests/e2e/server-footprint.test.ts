import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { e2eSkip } from '../support/browser'

// What the production server loads before its first request (the build the e2e setup made,
// which `npm start` serves): no TypeScript loader, and none of the libraries only some
// requests need (~60 MB together, measured import by import). A static import of one of
// them, anywhere in the app, puts it back in every process.
const LAZY = ['pg', 'sharp', 'pdfkit', 'pdf-lib', 'alipay-sdk']
const NEVER = ['tsx', '@react-email/components', 'prismjs']
const BUILDS = ['build/index.js', 'build/server.js']

describe.skipIf(e2eSkip)('the production server at rest', () => {
  it('imports the per-request libraries only where they are used, and no barrel or loader', () => {
    const staticImports = new Set<string>()
    for (const file of BUILDS)
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/^import\s[^;]*?from\s*"([^"]+)"/gms))
        staticImports.add(m[1]!.replace(/^((?:@[^/]+\/)?[^/]+).*$/, '$1'))
    expect(staticImports.has('express')).toBe(true) // the scan sees the build's imports
    for (const name of [...LAZY, ...NEVER]) expect(staticImports.has(name), name).toBe(false)
  })

  it('has loaded none of them once both builds are imported', () => {
    // A process of its own, as `npm start` serves: plain node, the two builds imported.
    const script = `
      import { createRequire } from 'node:module'
      for (const f of ${JSON.stringify(BUILDS)}) await import(new URL(f, 'file://' + process.cwd() + '/').href)
      const loaded = Object.keys(createRequire(import.meta.url).cache)
      console.log(JSON.stringify([...new Set(loaded.map((f) => (/node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f) ?? [])[1]).filter(Boolean))]))
    `
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'production' },
    })
    expect(child.status, child.stderr).toBe(0)
    const packages = JSON.parse(child.stdout.trim()) as string[]
    expect(packages).toContain('express') // CommonJS packages are seen
    for (const name of [...LAZY, ...NEVER]) expect(packages, name).not.toContain(name)
  })
})

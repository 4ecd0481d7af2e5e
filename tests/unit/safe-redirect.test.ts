import { describe, expect, it } from 'vitest'
import { redirectTarget } from '~/modules/auth/schema'
import { safeRedirect } from '~/utils/safe-redirect'
import { HOSTILE_REDIRECTS } from '../support/hostile-redirects'

describe('safeRedirect', () => {
  it.each(HOSTILE_REDIRECTS)('refuses %j and falls back', (target) => {
    expect(safeRedirect(target)).toBe('/admin')
    expect(safeRedirect(target, '/')).toBe('/')
    expect(redirectTarget.parse(target)).toBe('/admin')
  })

  it('keeps a local path with its query and fragment', () => {
    expect(safeRedirect('/admin/students?q=%E6%9E%97#list')).toBe('/admin/students?q=%E6%9E%97#list')
    expect(safeRedirect('/donor/statements')).toBe('/donor/statements')
    expect(safeRedirect('/a/../admin')).toBe('/admin')
  })

  it('falls back on what is not a string or is absurdly long', () => {
    for (const target of [undefined, null, 42, ['/admin/x'], '', '/' + 'a'.repeat(3000)])
      expect(safeRedirect(target, '/x')).toBe('/x')
  })
})

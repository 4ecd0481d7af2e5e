// Where a redirect may send a browser: a path on this site, judged as the browser will
// read it. Browsers drop tabs and newlines from a URL and read `\` as `/`, so
// `/\t/evil.example` and `/\evil.example` both become `//evil.example`, another host.
// Anything that is not plainly a local path (controls, spaces, backslashes, their
// percent-encoded forms, `//`, a scheme) is refused and the fallback used instead.

const BASE = 'http://local.invalid'
const FORBIDDEN = /[\u0000-\u0020\u007f-\u009f\\\u2028\u2029\ufeff]/ // eslint-disable-line no-control-regex

function decodedForms(value: string): string[] {
  const forms = [value]
  let current = value
  for (let i = 0; i < 3; i++) {
    try {
      const next = decodeURIComponent(current)
      if (next === current) break
      forms.push(next)
      current = next
    } catch {
      return [] // a broken escape is no path of ours
    }
  }
  return forms
}

/** `target` when it is a path on this site after the browser's normalisation, else `fallback`. */
export function safeRedirect(target: unknown, fallback = '/admin'): string {
  if (typeof target !== 'string' || target.length === 0 || target.length > 2000) return fallback
  const forms = decodedForms(target)
  if (forms.length === 0) return fallback
  for (const form of forms) {
    if (FORBIDDEN.test(form) || !form.startsWith('/') || form.startsWith('//')) return fallback
  }
  let url: URL
  try {
    url = new URL(target, BASE)
  } catch {
    return fallback
  }
  const path = url.pathname + url.search + url.hash
  // `/.//evil.example` resolves to the path `//evil.example`, which a browser reads as a host.
  if (url.origin !== BASE || path.startsWith('//')) return fallback
  return path
}

import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

// The checks every browser test makes of a page: axe (serious and critical findings only)
// and no horizontal scroll at the page's width.

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource)
  const result = await page.evaluate(async () => (window as any).axe.run('#main', { resultTypes: ['violations'] }))
  return (result.violations as { id: string; impact: string; nodes: { html: string }[] }[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)
}

/** The elements sticking out past the right edge (none when the page fits at its width). */
export const overflows = (page: Page) =>
  page.evaluate(() => {
    const doc = document.documentElement
    const inScrollBox = (el: Element) => {
      for (let up = el.parentElement; up && up !== doc; up = up.parentElement)
        if (['auto', 'scroll'].includes(getComputedStyle(up).overflowX)) return true
      return false
    }
    const out = [...document.querySelectorAll('#main *')]
      // A wide table scrolls inside its own box (at phone width every table does); nothing else may stick out.
      .filter((el) => !inScrollBox(el) && el.getBoundingClientRect().right > window.innerWidth + 1)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}#${el.id}`)
      .slice(0, 5)
    return doc.scrollWidth > doc.clientWidth ? [`page scrolls: ${doc.scrollWidth} > ${doc.clientWidth}`, ...out] : out
  })

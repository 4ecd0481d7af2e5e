import type { Locale } from './i18n'

// Stored codes a person reads, put into words: a term ("2026-autumn") and a grade (stored
// as its Chinese name, as stations write it). Shared by browser and server.

/** 2026-autumn → 2026年秋季学期 / Autumn term 2026; an unknown shape is shown as it is. */
export function termLabel(term: string | null | undefined, locale: Locale): string {
  if (!term) return '—'
  const m = /^(\d{4})-(spring|autumn)$/.exec(term)
  if (!m) return term
  const [, year, season] = m
  if (locale === 'en') return `${season === 'spring' ? 'Spring' : 'Autumn'} term ${year}`
  return `${year}年${season === 'spring' ? '春季' : '秋季'}学期`
}

const STAGES: Record<string, string> = { 小学: 'Primary', 初中: 'Junior secondary', 高中: 'Senior secondary' }
const NUMBERS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6 }

/** 初中一年级 → Junior secondary, year 1 in English; kept as written in Chinese or when not a standard grade. */
export function gradeLabel(grade: string | null | undefined, locale: Locale): string {
  if (!grade) return '—'
  if (locale !== 'en') return grade
  const m = /^(小学|初中|高中)([一二三四五六])年级$/.exec(grade.trim())
  if (!m) return grade
  return `${STAGES[m[1]!]}, year ${NUMBERS[m[2]!]}`
}

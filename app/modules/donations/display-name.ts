// How a donor is shown in public: full name, family name only, or 爱心人士 when anonymous.

const COMPOUND_SURNAMES = [
  '欧阳',
  '司马',
  '上官',
  '诸葛',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '长孙',
  '宇文',
  '司徒',
  '令狐',
  '夏侯',
  '端木',
]
export const ANONYMOUS_NAME = '爱心人士'

export function publicDisplayName(name: string, mode: 'full' | 'family' | 'anonymous'): string {
  const trimmed = name.trim().replace(/\s+/g, ' ')
  if (mode === 'anonymous' || !trimmed) return ANONYMOUS_NAME
  if (mode === 'full') return trimmed
  if (/^[\u3400-\u9fff]/.test(trimmed)) {
    // 王小明 → 王**: the family name stays, the given name is masked.
    const family = COMPOUND_SURNAMES.find((s) => trimmed.startsWith(s)) ?? trimmed[0]!
    return `${family}**`
  }
  // Latin script: the last word is taken as the family name.
  return trimmed.split(' ').at(-1)!
}

/** A stored public name as a reader sees it: the anonymous name in their language. */
export function shownName(stored: string, locale: 'zh-CN' | 'en'): string {
  return stored === ANONYMOUS_NAME && locale === 'en' ? 'A kind donor' : stored
}

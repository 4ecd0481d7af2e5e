import { describe, expect, it } from 'vitest'
import { toChineseCapitals } from '~/utils/money-capitals'

describe('toChineseCapitals (PBOC 大写金额)', () => {
  const cases: Array<[number, string]> = [
    [0, '零元整'],
    [1, '壹分'],
    [10, '壹角整'],
    [50, '伍角整'],
    [55, '伍角伍分'],
    [100, '壹元整'],
    [1000, '壹拾元整'],
    [1500, '壹拾伍元整'],
    [10000, '壹佰元整'],
    [10005, '壹佰元零伍分'],
    [10050, '壹佰元零伍角整'],
    [32504, '叁佰贰拾伍元零肆分'],
    [123450, '壹仟贰佰叁拾肆元伍角整'],
    [123456, '壹仟贰佰叁拾肆元伍角陆分'],
    [140950, '壹仟肆佰零玖元伍角整'],
    [168032, '壹仟陆佰捌拾元零叁角贰分'],
    [600714, '陆仟零柒元壹角肆分'],
    [1000100, '壹万零壹元整'],
    [1640902, '壹万陆仟肆佰零玖元零贰分'],
    [10000000, '壹拾万元整'],
    [10001000, '壹拾万零壹拾元整'],
    [10700053, '壹拾万柒仟元零伍角叁分'],
    [100000000, '壹佰万元整'],
    [100000001, '壹佰万元零壹分'],
    [1000000000, '壹仟万元整'],
    [1010000000, '壹仟零壹拾万元整'],
    [10000000000, '壹亿元整'],
    [100000000000000, '壹万亿元整'],
    [1200000000000000, '壹拾贰万亿元整'],
    [10001000000, '壹亿零壹万元整'],
    [10000000100, '壹亿零壹元整'],
    [12345678900, '壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元整'],
    [900719925474099, '玖万零柒拾壹亿玖仟玖佰贰拾伍万肆仟柒佰肆拾元零玖角玖分'],
  ]
  it.each(cases)('%i fen → %s', (fen, expected) => {
    expect(toChineseCapitals(fen)).toBe(expected)
  })

  it('never writes 整 after 分 and always ends in 整 without 分', () => {
    for (let fen = 1; fen < 5000; fen += 7) {
      const text = toChineseCapitals(fen)
      expect(text.endsWith('分') !== text.endsWith('整')).toBe(true)
      expect(text.endsWith('整')).toBe(fen % 10 === 0)
      expect(text).not.toMatch(/零零|零元|零整/)
    }
  })

  it('refuses negative and fractional amounts', () => {
    expect(() => toChineseCapitals(-1)).toThrow(RangeError)
    expect(() => toChineseCapitals(1.5)).toThrow(TypeError)
  })
})

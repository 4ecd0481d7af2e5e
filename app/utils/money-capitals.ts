// Chinese capital numerals (大写金额) for CNY amounts, as written on receipts and
// cheques, following the PBOC rules for filling in payment instruments
// (《正确填写票据和结算凭证的基本规定》):
//  - amounts ending at 元 end with 整; amounts with 分 never do. After 角 the rules
//    allow either; we write 整 (the amount has no 分, which 整 makes explicit);
//  - a zero, or a run of zeros, between digits is written as one 零;
//  - a zero 角 before a non-zero 分 is written 零 after 元 (¥325.04 → 叁佰贰拾伍元零肆分);
//  - where the 元 digit is zero but 角 is not, the rules allow 零 or nothing; we write
//    the first form they give (¥1,680.32 → 壹仟陆佰捌拾元零叁角贰分), and read gaps
//    between 万 and 亿 sections the usual way (¥100,010 → 壹拾万零壹拾元整);
//  - a leading ten is written 壹拾 (¥10 → 壹拾元整).
// Pure integer arithmetic on minor units (fen); BigInt so nothing rounds.

const DIGITS = '零壹贰叁肆伍陆柒捌玖'
const PLACES = ' 拾佰仟'

/** 0 ≤ n < 10000 → e.g. 1203 → 壹仟贰佰零叁; 10 → 壹拾; 0 → ''. */
function section(n: number): string {
  let out = ''
  let pendingZero = false
  for (let place = 3; place >= 0; place--) {
    const digit = Math.floor(n / 10 ** place) % 10
    if (digit === 0) {
      if (out) pendingZero = true
      continue
    }
    if (pendingZero) out += '零'
    pendingZero = false
    out += DIGITS.charAt(digit) + PLACES.charAt(place).trim()
  }
  return out
}

/** The 元 part: 123456789 → 壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖; 万亿 reads 玖万零柒拾壹亿. */
function integerPart(yuan: bigint): string {
  if (yuan < 10000n) return section(Number(yuan))
  const [unit, size, full] = yuan < 100000000n ? ['万', 10000n, 1000n] : ['亿', 100000000n, 10000000n]
  const high = yuan / size
  const low = yuan % size
  // A gap below the unit (100,010 → 壹拾万零壹拾) is read as one 零.
  return integerPart(high) + unit + (low === 0n ? '' : (low < full ? '零' : '') + integerPart(low))
}

/** 123450 fen → 壹仟贰佰叁拾肆元伍角整; 0 → 零元整. CNY only (two minor digits). */
export function toChineseCapitals(minorUnits: number | bigint): string {
  if (typeof minorUnits === 'number' && !Number.isSafeInteger(minorUnits)) {
    throw new TypeError(`expected an integer count of fen, got ${minorUnits}`)
  }
  const fen = BigInt(minorUnits)
  if (fen < 0n) throw new RangeError('negative amounts have no capitals form; write 负 before the result if needed')
  const yuan = fen / 100n
  const jiao = Number((fen / 10n) % 10n)
  const cents = Number(fen % 10n)
  if (fen === 0n) return '零元整'
  let out = yuan > 0n ? integerPart(yuan) + '元' : ''
  // 零 after 元 when its digit or the 角 digit is zero and something follows (PBOC's first form).
  if (yuan > 0n && (jiao > 0 || cents > 0) && (yuan % 10n === 0n || jiao === 0)) out += '零'
  if (jiao > 0) out += DIGITS.charAt(jiao) + '角'
  if (cents > 0) out += DIGITS.charAt(cents) + '分'
  else out += '整'
  return out
}

// The published format (public/open-data.md) and the code agree byte for byte.
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  accountKind,
  beneficiaryIdOf,
  fundOfCampaign,
  isAccountCode,
  isGuarded,
  payableOf,
} from '~/modules/ledger/accounts'
import {
  GENESIS_HASH,
  canonicalRecord,
  canonicalRefs,
  chainHash,
  commitRefs,
  commitment,
  normaliseTime,
} from '~/modules/ledger/hash.server'
import { IdHeap } from '~/modules/ledger/heap'
import { KIND_NAMES, TRANSACTION_KINDS } from '~/modules/ledger/kinds'

const doc = readFileSync('public/open-data.md', 'utf8')

describe('ledger canonical form', () => {
  it('reproduces the worked example of public/open-data.md', () => {
    const r1 = canonicalRecord(
      1,
      'donation',
      '2026-11-23T02:00:00.000Z',
      canonicalRefs({ donor: '张*', donation: 'D-7K2M9QX4TB' }),
      [
        { from: 'external:donors', to: 'fund:campaign:7', amount: 10000, currency: 'CNY' },
        { from: 'fund:campaign:7', to: 'external:fees', amount: 340, currency: 'CNY' },
      ],
    )
    const h1 = chainHash(GENESIS_HASH, r1)
    const r2 = canonicalRecord(
      2,
      'award',
      '2026-11-24T08:30:00.000Z',
      canonicalRefs({ term: '2026-autumn', beneficiary: 'HP-530627-0042', programme: 'sunshine-bursary' }),
      [{ from: 'fund:campaign:7', to: 'payable:beneficiary:42', amount: 8000, currency: 'CNY' }],
    )
    const h2 = chainHash(h1, r2)
    for (const line of [`record(1) = ${r1}`, `hash(1)   = ${h1}`, `record(2) = ${r2}`, `hash(2)   = ${h2}`])
      expect(doc).toContain(line)
    expect(doc).toContain(GENESIS_HASH)
  })

  it('reproduces the commitment example of public/open-data.md and draws a fresh salt each time', () => {
    const c = commitment('donor', '张*', '00112233445566778899aabbccddeeff')
    expect(doc).toContain(`commitment("donor", "张*") = ${c}`)
    const a = commitRefs({ donation: 'D-1', donor: '张*' })
    const b = commitRefs({ donation: 'D-1', donor: '张*' })
    expect(a.refs.donation).toBe('D-1')
    expect(a.refs.donor).toMatch(/^[0-9a-f]{64}$/)
    expect(a.refs.donor).not.toBe(b.refs.donor)
    expect(a.disclosures).toEqual([{ key: 'donor', value: '张*', salt: expect.stringMatching(/^[0-9a-f]{32}$/) }])
    expect(commitment('donor', '张*', a.disclosures[0]!.salt)).toBe(a.refs.donor)
    expect(canonicalRecord(1, 'donation', 't', {}, [], 2)).toBe('["hope-ledger/2","1","donation","t",[],[]]')
  })

  it('builds exactly the JSON.stringify form of the record', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 })
    fc.assert(
      fc.property(
        fc.nat(),
        text,
        fc.dictionary(fc.constantFrom('a', 'b', 'donor', 'z_1'), text),
        fc.array(fc.tuple(text, text, fc.nat(), text), { maxLength: 3 }),
        (seq, kind, refs, ts) => {
          const transfers = ts.map(([from, to, amount, currency]) => ({ from, to, amount, currency }))
          const reference = JSON.stringify([
            'hope-ledger/1',
            String(seq),
            kind,
            '2026-01-01T00:00:00.000Z',
            Object.keys(refs)
              .sort()
              .map((k) => [k, refs[k]]),
            transfers.map((t) => [t.from, t.to, String(t.amount), t.currency]),
          ])
          expect(canonicalRecord(seq, kind, '2026-01-01T00:00:00.000Z', refs, transfers)).toBe(reference)
        },
      ),
    )
  })

  it('documents every transaction kind', () => {
    for (const kind of KIND_NAMES) {
      expect(doc).toContain(`\`${kind}\``)
      expect(TRANSACTION_KINDS[kind].length).toBeGreaterThan(10)
    }
  })

  it('normalises refs and times, refusing what would make the record ambiguous', () => {
    expect(canonicalRefs({ b: 2, a: 'x' })).toEqual({ a: 'x', b: '2' })
    expect(Object.keys(canonicalRefs({ b: 2, a: 'x' }))).toEqual(['a', 'b'])
    expect(() => canonicalRefs({ A: 'x' })).toThrow()
    expect(() => canonicalRefs({ a: 1.5 })).toThrow()
    expect(() => canonicalRefs({ a: 'line\nbreak' })).toThrow()
    expect(normaliseTime('2026-11-23T10:00:00+08:00')).toBe('2026-11-23T02:00:00.000Z')
    expect(() => normaliseTime('yesterday')).toThrow()
  })

  it('types and checks account codes', () => {
    expect(fundOfCampaign(7)).toBe('fund:campaign:7')
    expect(payableOf(42)).toBe('payable:beneficiary:42')
    expect(beneficiaryIdOf('paid:beneficiary:42')).toBe(42)
    expect(accountKind('payable:beneficiary:42')).toBe('payable')
    expect(isGuarded('fund:general') && isGuarded('payable:beneficiary:1') && !isGuarded('paid:beneficiary:1')).toBe(
      true,
    )
    for (const bad of [
      'fund:campaign:07',
      'fund:campaign:',
      'external:bank',
      'payable:beneficiary:HP-1',
      'fund:general ',
    ])
      expect(isAccountCode(bad)).toBe(false)
  })

  it('heap pops ids in order', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000)), (ids) => {
        const heap = new IdHeap((a, b) => a < b)
        for (const id of ids) heap.push(id)
        const out: number[] = []
        while (heap.size) out.push(heap.pop()!)
        expect(out).toEqual([...ids].sort((a, b) => a - b))
      }),
    )
  })
})

import { describe, expect, it } from 'vitest'
import { yuanToFen } from '@/utils/money'
import { formatFen } from '@/utils/desk'

describe('yuanToFen', () => {
  it('converts exact decimal strings', () => {
    expect(yuanToFen('60.00')).toBe(6000)
    expect(yuanToFen('60')).toBe(6000)
    expect(yuanToFen('60.5')).toBe(6050)
    expect(yuanToFen('0.07')).toBe(7)
    expect(yuanToFen(' 300.10 ')).toBe(30010)
    expect(yuanToFen('1.')).toBe(100)
  })
  it('has no floating-point errors', () => {
    // 0.29 * 100 = 28.999999999999996 and 1.13 * 100 = 112.99999999999999 in floating point.
    expect(yuanToFen('0.29')).toBe(29)
    expect(yuanToFen('1.13')).toBe(113)
    expect(yuanToFen('4.35')).toBe(435)
    for (let fen = 0; fen < 5000; fen += 1) expect(yuanToFen(formatFen(fen))).toBe(fen)
  })
  it('rejects anything else', () => {
    for (const bad of ['', '-1', '1.234', 'abc', '1,00', '.5', '1e3', '1.2.3']) expect(yuanToFen(bad)).toBeNull()
  })
})

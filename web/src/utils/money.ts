// Money entered as a decimal yuan string ("60", "60.5", "60.00") → integer fen, without
// floating-point arithmetic.

/** Fen for a yuan amount like `60.00`; `null` when the text is not a non-negative amount with at most 2 decimals. */
export function yuanToFen(text: string): number | null {
  const m = /^(\d{1,9})(?:\.(\d{0,2}))?$/.exec(text.trim())
  if (!m) return null
  const whole = Number.parseInt(m[1] as string, 10)
  const cents = Number.parseInt(((m[2] ?? '') + '00').slice(0, 2), 10)
  return whole * 100 + cents
}

// Chinese identifiers with their check characters, as the server checks them
// (crates/pki/src/ids.rs): resident ID numbers (GB 11643) and unified social credit codes (GB 32100).

/** GB 32100 code characters (no I, O, S, V, Z). */
const CREDIT_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

/** The GB 32100 check character for 17 characters, or null when they are not of the alphabet. */
export function creditCheckCharacter(first17: string): string | null {
  if (first17.length !== 17) return null
  let sum = 0
  let weight = 1
  for (const ch of first17) {
    const value = CREDIT_CHARSET.indexOf(ch)
    if (value < 0) return null
    sum += value * weight
    weight = (weight * 3) % 31
  }
  return CREDIT_CHARSET[(31 - (sum % 31)) % 31] ?? null
}

/** The GB 11643 check digit (`0`–`9` or `X`) for 17 digits, or null. */
export function idCheckDigit(first17: string): string | null {
  if (!/^\d{17}$/.test(first17)) return null
  let sum = 0
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * (ID_WEIGHTS[i] ?? 0)
  return '10X98765432'[sum % 11] ?? null
}

/** Removes every kind of space a paste brings, upper-cases. */
export function normaliseId(value: string): string {
  return value.replace(/[\s\u3000]/g, '').toUpperCase()
}

export function isValidCreditCode(value: string): boolean {
  const code = normaliseId(value)
  if (code.length !== 18 || !/^\d{6}$/.test(code.slice(2, 8))) return false
  return creditCheckCharacter(code.slice(0, 17)) === code[17]
}

export function isValidIdNumber(value: string): boolean {
  const id = normaliseId(value)
  if (!/^\d{17}[\dX]$/.test(id)) return false
  const month = Number(id.slice(10, 12))
  const day = Number(id.slice(12, 14))
  if (month < 1 || month > 12 || day < 1 || day > 31) return false
  return idCheckDigit(id.slice(0, 17)) === id[17]
}

/** The Luhn check bank cards carry. */
export function luhnOk(number: string): boolean {
  const digits = number.replace(/[\s\u3000]/g, '')
  if (digits.length < 12 || !/^\d+$/.test(digits)) return false
  let sum = 0
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

// Client-side checks mirroring the server's rules (docs/api.md). The server stays the judge;
// these only give early, friendly feedback.

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 16
export const PASSWORD_MIN_CLASSES = 3

export interface PasswordCheck {
  /** Length in characters (code points). */
  length: number
  lengthOk: boolean
  hasUpper: boolean
  hasLower: boolean
  hasDigit: boolean
  hasSymbol: boolean
  /** How many of the four classes occur. */
  classes: number
  classesOk: boolean
  ok: boolean
}

/**
 * Password rule: 8–16 characters, at least three of upper case, lower case, digits and
 * symbols. A symbol is any character that is not an ASCII letter or digit.
 */
export function checkPassword(password: string): PasswordCheck {
  const chars = Array.from(password)
  const length = chars.length
  const hasUpper = chars.some((c) => c >= 'A' && c <= 'Z')
  const hasLower = chars.some((c) => c >= 'a' && c <= 'z')
  const hasDigit = chars.some((c) => c >= '0' && c <= '9')
  const hasSymbol = chars.some((c) => !/^[A-Za-z0-9]$/.test(c) && !/\s/.test(c))
  const classes = [hasUpper, hasLower, hasDigit, hasSymbol].filter(Boolean).length
  const lengthOk = length >= PASSWORD_MIN && length <= PASSWORD_MAX
  const classesOk = classes >= PASSWORD_MIN_CLASSES
  return { length, lengthOk, hasUpper, hasLower, hasDigit, hasSymbol, classes, classesOk, ok: lengthOk && classesOk }
}

export function isValidPassword(password: string): boolean {
  return checkPassword(password).ok
}

/** Mainland China mobile number: 11 digits starting with 13–19. */
const PHONE_RE = /^1[3-9]\d{9}$/

/** Strips spaces, dashes and a leading +86 / 86 that people paste along with a number. */
export function normalizePhone(input: string): string {
  let s = input.replace(/[\s-]/g, '')
  if (s.startsWith('+86')) s = s.slice(3)
  else if (s.length === 13 && s.startsWith('86')) s = s.slice(2)
  return s
}

export function isValidPhone(input: string): boolean {
  return PHONE_RE.test(normalizePhone(input))
}

/** `17712347069` → `177****7069`, the same masking the server applies. */
export function maskPhone(input: string): string {
  const phone = normalizePhone(input)
  if (phone.length < 7) return phone
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`
}

/** `zhang@example.com` → `zh***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  if (at <= 0) return email
  const local = email.slice(0, at)
  const visible = Array.from(local).slice(0, Math.min(2, local.length)).join('')
  return `${visible}***${email.slice(at)}`
}

/** Login name: 4–32 of letters, digits, `_`, `-`, `.`, starting with a letter; not all digits. */
const LOGIN_NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{3,31}$/

export function isValidLoginName(name: string): boolean {
  return LOGIN_NAME_RE.test(name) && !/^\d+$/.test(name)
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function isValidEmail(email: string): boolean {
  return email.length <= 254 && EMAIL_RE.test(email)
}

export const SMS_CODE_RE = /^\d{6}$/

export function isValidSmsCode(code: string): boolean {
  return SMS_CODE_RE.test(code.trim())
}

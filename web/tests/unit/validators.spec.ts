import { describe, expect, it } from 'vitest'
import {
  checkPassword,
  isValidEmail,
  isValidLoginName,
  isValidPassword,
  isValidPhone,
  isValidSmsCode,
  maskEmail,
  maskPhone,
  normalizePhone,
} from '@/utils/validators'

describe('password rule (8–16 characters, three of four classes)', () => {
  it.each([
    ['Abcdefg1', true, 'upper + lower + digit, 8 long'],
    ['abcdefg1!', true, 'lower + digit + symbol'],
    ['ABCDEFG1!', true, 'upper + digit + symbol'],
    ['Abcdefg!', true, 'upper + lower + symbol'],
    ['Abc1!Abc1!Abc1!A', true, 'exactly 16'],
    ['Abc1!Abc1!Abc1!Ab', false, '17 characters'],
    ['Abcde1!', false, '7 characters'],
    ['abcdefgh', false, 'one class'],
    ['abcdefg1', false, 'two classes'],
    ['ABCDEFGH12', false, 'two classes (upper + digit)'],
    ['', false, 'empty'],
  ])('%s → %s (%s)', (password, ok) => {
    expect(isValidPassword(password)).toBe(ok)
  })

  it('reports which parts fail', () => {
    const c = checkPassword('abc')
    expect(c.lengthOk).toBe(false)
    expect(c.classes).toBe(1)
    expect(c.classesOk).toBe(false)
    const d = checkPassword('Passw0rd#')
    expect(d).toMatchObject({ hasUpper: true, hasLower: true, hasDigit: true, hasSymbol: true, classes: 4, ok: true })
  })

  it('counts non-ASCII characters as symbols and measures code points', () => {
    const c = checkPassword('密码abcd1234')
    expect(c.length).toBe(10)
    expect(c.hasSymbol).toBe(true)
    expect(c.ok).toBe(true)
  })
})

describe('phone numbers', () => {
  it('accepts mainland mobile numbers', () => {
    expect(isValidPhone('13912345678')).toBe(true)
    expect(isValidPhone('17712347069')).toBe(true)
    expect(isValidPhone('199 1234 5678')).toBe(true)
    expect(isValidPhone('+86 139-1234-5678')).toBe(true)
  })

  it('rejects anything else', () => {
    expect(isValidPhone('')).toBe(false)
    expect(isValidPhone('12912345678')).toBe(false)
    expect(isValidPhone('1391234567')).toBe(false)
    expect(isValidPhone('139123456789')).toBe(false)
    expect(isValidPhone('1391234567a')).toBe(false)
    expect(isValidPhone('02012345678')).toBe(false)
  })

  it('normalises pasted numbers', () => {
    expect(normalizePhone(' 139 1234 5678 ')).toBe('13912345678')
    expect(normalizePhone('+8613912345678')).toBe('13912345678')
    expect(normalizePhone('8613912345678')).toBe('13912345678')
  })

  it('masks like the server does', () => {
    expect(maskPhone('17712347069')).toBe('177****7069')
    expect(maskPhone('+86 177 1234 7069')).toBe('177****7069')
    expect(maskPhone('123')).toBe('123')
  })
})

describe('email', () => {
  it('masks like the server does', () => {
    expect(maskEmail('zhang@example.com')).toBe('zh***@example.com')
    expect(maskEmail('z@example.com')).toBe('z***@example.com')
    expect(maskEmail('not-an-email')).toBe('not-an-email')
  })

  it('validates', () => {
    expect(isValidEmail('zhang.san@example.com')).toBe(true)
    expect(isValidEmail('zhang@example')).toBe(false)
    expect(isValidEmail('zhang example.com')).toBe(false)
  })
})

describe('login name and SMS code', () => {
  it('follows the login name rule', () => {
    expect(isValidLoginName('zhang_san.01')).toBe(true)
    expect(isValidLoginName('abcd')).toBe(true)
    expect(isValidLoginName('abc')).toBe(false)
    expect(isValidLoginName('1abcd')).toBe(false)
    expect(isValidLoginName('12345678')).toBe(false)
    expect(isValidLoginName('a'.repeat(33))).toBe(false)
    expect(isValidLoginName('zhang san')).toBe(false)
  })

  it('wants six digits', () => {
    expect(isValidSmsCode('123456')).toBe(true)
    expect(isValidSmsCode('12345')).toBe(false)
    expect(isValidSmsCode('12345a')).toBe(false)
  })
})

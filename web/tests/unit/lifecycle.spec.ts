import { describe, expect, it } from 'vitest'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import {
  agentErrorKey,
  agentErrorText,
  daysLeftType,
  heldStatusType,
  isValidNewPin,
  REVOKE_REASONS,
  parseSerial,
  utf8ToBase64,
} from '@/utils/lifecycle'

describe('certificate status', () => {
  it('colours statuses', () => {
    expect(heldStatusType('active')).toBe('success')
    expect(heldStatusType('revoked')).toBe('danger')
    expect(heldStatusType('expired')).toBe('info')
    expect(heldStatusType('other')).toBe('warning')
  })

  it('colours days left around the renewal window', () => {
    expect(daysLeftType(3)).toBe('danger')
    expect(daysLeftType(30)).toBe('danger')
    expect(daysLeftType(45)).toBe('warning')
    expect(daysLeftType(300)).toBe('')
  })

  it('labels every status and revocation reason in both languages', () => {
    for (const s of ['active', 'expired', 'revoked'] as const) {
      expect(zhCN.lifecycle.statuses[s]).toBeTruthy()
      expect(en.lifecycle.statuses[s]).toBeTruthy()
    }
    expect(zhCN.lifecycle.statuses.active).toBe('有效')
    for (const r of REVOKE_REASONS) {
      expect(zhCN.lifecycle.reasons[r]).toBeTruthy()
      expect(en.lifecycle.reasons[r]).toBeTruthy()
    }
    expect(zhCN.lifecycle.reasons['key-compromise']).toBe('密钥泄露')
  })
})

describe('key agent helpers', () => {
  it('maps agent error codes to message keys', () => {
    expect(agentErrorKey('token.pin_incorrect')).toBe('pinIncorrect')
    expect(agentErrorKey('token.pin_locked')).toBe('pinLocked')
    expect(agentErrorKey('agent.unreachable')).toBe('unreachable')
    expect(agentErrorKey('agent.pin_throttled')).toBe('pinThrottled')
    expect(agentErrorKey('agent.pin_final_try')).toBe('pinFinalTry')
    expect(agentErrorKey('agent.challenge_refused')).toBe('challengeRefused')
    expect(agentErrorKey('agent.no_redeemer')).toBe('noRedeemer')
    expect(agentErrorKey('agent.unlock_code_refused')).toBe('unlockCodeRefused')
    expect(agentErrorKey('token.something_else')).toBe('generic')
    expect(agentErrorKey(null)).toBe('generic')
    for (const key of ['pinIncorrect', 'pinLocked', 'pinLength', 'tokenNotFound', 'soPinIncorrect', 'keyNotFound', 'unreachable', 'pinThrottled', 'pinFinalTry', 'challengeRefused', 'noRedeemer', 'unlockCodeRefused', 'platformUnreachable', 'unlockUnconfirmed', 'generic']) {
      expect(zhCN.lifecycle.agent.errors).toHaveProperty(key)
    }
  })

  it('formats agent errors through t', () => {
    const t = (key: string, named?: Record<string, unknown>) => `${key}:${String(named?.message ?? '')}`
    const err = Object.assign(new Error('boom'), { code: 'token.pin_incorrect' })
    expect(agentErrorText(t, err)).toBe('lifecycle.agent.errors.pinIncorrect:boom')
    expect(agentErrorText(t, new Error('x'))).toBe('lifecycle.agent.errors.generic:x')
  })

  it('checks new PINs: 1–8 digits', () => {
    expect(isValidNewPin('1')).toBe(true)
    expect(isValidNewPin('12345678')).toBe(true)
    expect(isValidNewPin('')).toBe(false)
    expect(isValidNewPin('123456789')).toBe(false)
    expect(isValidNewPin('12a4')).toBe(false)
  })

  it('encodes challenge text as UTF-8 base64', () => {
    expect(utf8ToBase64('abc')).toBe('YWJj')
    expect(utf8ToBase64('证书')).toBe(btoa(String.fromCharCode(...new TextEncoder().encode('证书'))))
  })

  it('compares serials whatever their case, separators and leading zeros', () => {
    expect(parseSerial('0A:1b')).toBe(parseSerial('a1B'))
    expect(parseSerial('0a1b')).toBe('0a1b')
    expect(parseSerial('0x01:AB')).toBe('01ab')
    // The DER sign byte: a top bit set means one zero byte in front, as the server stores it.
    expect(parseSerial('FF')).toBe('00ff')
    expect(parseSerial('00ff')).toBe('00ff')
    expect(parseSerial('0a1b')).not.toBe(parseSerial('0a1c'))
    expect(parseSerial('')).toBeNull()
    expect(parseSerial('000')).toBeNull()
    expect(parseSerial('xyz')).toBeNull()
  })
})

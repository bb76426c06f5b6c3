import { describe, expect, it } from 'vitest'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'

function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  )
}

function values(obj: object): string[] {
  return Object.values(obj).flatMap((v) => (typeof v === 'object' && v !== null ? values(v as object) : [String(v)]))
}

describe('i18n messages', () => {
  it('have the same keys in both languages', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort())
  })

  it('avoid characters with special meaning to vue-i18n', () => {
    // " | " is meant: it separates the singular and plural of an English count ("1 day | {n} days").
    for (const v of [...values(zhCN), ...values(en)]) {
      expect(v.replace(/ \| /g, ' '), v).not.toMatch(/[@|$]/)
    }
  })

  it('make English counts singular for one and plural otherwise', () => {
    const lifecycle = (en as unknown as { lifecycle: { daysLeftValue: string } }).lifecycle
    const [one, many] = lifecycle.daysLeftValue.split(' | ')
    expect(one).toBe('{n} day')
    expect(many).toBe('{n} days')
    expect(values(zhCN).some((v) => v.includes(' | '))).toBe(false)
  })

  it('use the product wording', () => {
    expect(zhCN.app.name).toBe('Signet 数字证书服务平台')
    expect(en.app.name).toBe('Signet Digital Certificate Service')
    expect(zhCN.sms.get).toBe('获取验证码')
    expect(zhCN.sms.resend).toBe('{n} 秒后重新获取')
    expect(`${zhCN.register.agreePrefix}${zhCN.register.agreement}`).toBe('我已阅读并同意《用户服务协议》')
  })
})

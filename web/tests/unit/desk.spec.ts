import { describe, expect, it } from 'vitest'
import { queryString } from '@/api/desk'
import { ORDER_STATES } from '@/api/deskTypes'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import {
  checkDetailText,
  allows,
  fieldLocation,
  flagText,
  formatBytes,
  formatFen,
  formatTime,
  historyText,
  orderPriceFen,
  stateTagType,
  WIZARD_STEPS,
} from '@/utils/desk'
import { creditCheckCharacter, idCheckDigit, isValidCreditCode, isValidIdNumber, luhnOk } from '@/utils/ids'

describe('price formatting', () => {
  it('shows integer fen as yuan with two decimals', () => {
    expect(formatFen(30000)).toBe('300.00')
    expect(formatFen(5000)).toBe('50.00')
    expect(formatFen(37)).toBe('0.37')
    expect(formatFen(5)).toBe('0.05')
    expect(formatFen(0)).toBe('0.00')
    expect(formatFen(123456789)).toBe('1234567.89')
    expect(formatFen(-150)).toBe('-1.50')
    expect(formatFen(Number.NaN)).toBe('0.00')
  })

  it('prices an order as unit price × years × quantity, like the server', () => {
    expect(orderPriceFen(30000, 1, 2)).toBe(60000)
    expect(orderPriceFen(30000, 3, 1)).toBe(90000)
    expect(formatFen(orderPriceFen(5000, 2, 1))).toBe('100.00')
  })

  it('reads "300.00 元/年" in Chinese and "CNY 300.00 / year" in English', () => {
    const fill = (template: string, price: string) => template.replace('{price}', price)
    expect(fill(zhCN.desk.price.perYear, formatFen(30000))).toBe('300.00 元/年')
    expect(fill(en.desk.price.perYear, formatFen(30000))).toBe('CNY 300.00 / year')
  })
})

describe('times and sizes', () => {
  it('shows Unix seconds in China time', () => {
    // 2026-01-31T16:05:00Z is 2026-02-01 00:05 in Beijing.
    expect(formatTime(1769875500)).toBe('2026-02-01 00:05')
    expect(formatTime(null)).toBe('')
  })

  it('shows byte limits in MB and KB', () => {
    expect(formatBytes(1024 * 1024)).toBe('1 MB')
    expect(formatBytes(8 * 1024 * 1024)).toBe('8 MB')
    expect(formatBytes(1536 * 1024)).toBe('1.5 MB')
    expect(formatBytes(2048)).toBe('2 KB')
  })
})

describe('order state labels', () => {
  // crates/core/src/desk/orders/state.rs, OrderState::label.
  const SERVER_LABELS: Record<string, string> = {
    drafting: '草稿',
    verifying: '身份核验中',
    awaiting_payment: '待支付',
    awaiting_review: '待审核',
    rejected: '已驳回',
    awaiting_production: '待制证',
    awaiting_update: '待更新',
    awaiting_recovery: '待恢复',
    awaiting_delivery: '待配送',
    awaiting_download: '待下载',
    awaiting_unlock: '待解锁',
    completed: '已完成',
    cancelled: '已取消',
    refunded: '已退款',
  }

  it('match the server’s Chinese labels for all fourteen states', () => {
    expect(ORDER_STATES).toHaveLength(14)
    expect(zhCN.desk.state).toEqual(SERVER_LABELS)
  })

  it('have an English label and a tag colour for every state', () => {
    for (const state of ORDER_STATES) {
      expect(en.desk.state[state], state).toBeTruthy()
      expect(['primary', 'success', 'warning', 'info', 'danger']).toContain(stateTagType(state))
    }
    expect(stateTagType('completed')).toBe('success')
    expect(stateTagType('rejected')).toBe('danger')
  })

  it('offer exactly the actions the server lists', () => {
    const order = { allowed_actions: ['continue', 'cancel'] as const }
    expect(allows(order, 'continue')).toBe(true)
    expect(allows(order, 'cancel')).toBe(true)
    // Nothing the server did not list, whatever the state looks like.
    expect(allows(order, 'pay')).toBe(false)
    expect(allows({ allowed_actions: [] }, 'cancel')).toBe(false)
    // An old server without the field offers nothing rather than guessing.
    expect(allows({}, 'continue')).toBe(false)
  })
})

describe('order history', () => {
  // A stand-in for vue-i18n's t/te over the real messages.
  const lookup = (messages: Record<string, unknown>, key: string): unknown =>
    key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], messages)
  const translator = (messages: Record<string, unknown>) => ({
    t: (key: string, named: Record<string, unknown> = {}) =>
      String(lookup(messages, key)).replace(/\{(\w+)\}/g, (_, name: string) => String(named[name])),
    te: (key: string) => typeof lookup(messages, key) === 'string',
  })
  const english = translator(en as unknown as Record<string, unknown>)
  const chinese = translator(zhCN as unknown as Record<string, unknown>)

  it('renders codes in the reader\'s language', () => {
    const paid = { code: 'paid', params: { amount_fen: 30005, channel: 'wechat' }, note: '已支付 300.05 元（wechat）' }
    expect(historyText(english.t, english.te, paid)).toBe('Paid CNY 300.05 (WeChat Pay)')
    expect(historyText(chinese.t, chinese.te, paid)).toBe('已支付 300.05 元（微信支付）')
    const rejected = { code: 'rejected', params: { reason: 'blurred licence' }, note: '' }
    expect(historyText(english.t, english.te, rejected)).toBe('Rejected: blurred licence')
    const flagged = { code: 'submitted', params: { flags: ['invoice_title_mismatch', 'offline_form:operator'] }, note: '' }
    expect(historyText(english.t, english.te, flagged)).toBe(
      "Submitted; identity checks next; for a reviewer to confirm: The invoice title differs from the organisation's name; " +
        'Operator: the applicant chose the paper form: review it when it arrives',
    )
    expect(historyText(chinese.t, chinese.te, flagged)).toBe(
      '提交成功，待身份核验；需人工确认：发票抬头与单位名称不一致；经办人：申请人选择线下邮寄申请表，待收到纸质材料后人工审核',
    )
    const clean = { code: 'submitted', params: { flags: [] }, note: '' }
    expect(historyText(english.t, english.te, clean)).toBe('Submitted; identity checks next')
  })

  it('renders reviewer flags by code, and flags stored as sentences as they are', () => {
    expect(flagText(english.t, english.te, 'deposit_tries:organisation')).toBe(
      'Organisation: the deposit amount was entered wrong 3 times: check by hand',
    )
    expect(flagText(chinese.t, chinese.te, 'bank_unsupported:organisation')).toBe('单位：开户行暂不支持小额打款验证，已转人工审核')
    expect(flagText(english.t, english.te, '发票抬头与单位名称不一致')).toBe('发票抬头与单位名称不一致')
    expect(flagText(english.t, english.te, 'offline_form:martian')).toBe('offline_form:martian')
    // No English flag carries a Chinese character or a full-width colon.
    for (const code of Object.keys(en.desk.flag)) {
      for (const party of ['organisation', 'operator', 'person']) {
        expect(flagText(english.t, english.te, `${code}:${party}`)).not.toMatch(/[\u3000-\u9fff\uff00-\uffef]/)
      }
    }
  })

  it('shows old rows and unknown codes as the server wrote them', () => {
    const old = { code: 'note', params: { text: '审核通过' }, note: '审核通过' }
    expect(historyText(english.t, english.te, old)).toBe('审核通过')
    const future = { code: 'teleported', params: {}, note: '已传送' }
    expect(historyText(english.t, english.te, future)).toBe('已传送')
  })

  it('reads an identity check in the reader language, old rows as stored', () => {
    const sent = {
      detail: '已向中国银行尾号 6789 的账户打款，请在 72 小时内输入到账金额',
      detail_code: 'deposit_sent',
      detail_params: { bank: '中国银行', last4: '6789' },
    }
    expect(checkDetailText(english.t, english.te, sent)).toBe(
      'A small amount was sent to the account ending in 6789; enter it within 72 hours',
    )
    expect(checkDetailText(chinese.t, chinese.te, sent)).toBe(sent.detail)
    const old = { detail: '核验通过', detail_code: 'note', detail_params: { text: '核验通过' } }
    expect(checkDetailText(english.t, english.te, old)).toBe('核验通过')
    const future = { detail: '已传送', detail_code: 'teleported', detail_params: {} }
    expect(checkDetailText(english.t, english.te, future)).toBe('已传送')
    const enKeys = Object.keys((en as unknown as { desk: { checkDetail: object } }).desk.checkDetail).sort()
    const zhKeys = Object.keys((zhCN as unknown as { desk: { checkDetail: object } }).desk.checkDetail).sort()
    expect(enKeys).toEqual(zhKeys)
    for (const code of enKeys) {
      const text = checkDetailText(english.t, english.te, { detail: '中文', detail_code: code, detail_params: { bank: 'B', last4: '1', phone: 'p', why: 'w' } })
      expect(text).not.toMatch(/[\u3000-\u9fff\uff00-\uffef]/)
    }
  })

  it('has every history text in both languages', () => {
    const zhKeys = Object.keys((zhCN as unknown as { desk: { history: object } }).desk.history).sort()
    const enKeys = Object.keys((en as unknown as { desk: { history: object } }).desk.history).sort()
    expect(enKeys).toEqual(zhKeys)
    expect(zhKeys.length).toBeGreaterThan(20)
  })
})

describe('server field → wizard field', () => {
  const step = (name: (typeof WIZARD_STEPS)[number]) => WIZARD_STEPS.indexOf(name)

  it('sends nested fields to their step and item', () => {
    expect(fieldLocation('organisation.id_number', 'enterprise')).toEqual({
      step: step('applicant'),
      prop: 'organisation.id_number',
    })
    expect(fieldLocation('organisation.legal_rep_id_number', 'enterprise')).toEqual({
      step: 1,
      prop: 'organisation.legal_rep_id_number',
    })
    expect(fieldLocation('person.phone', 'personal')).toEqual({ step: 1, prop: 'person.phone' })
    expect(fieldLocation('invoice.email', 'enterprise')).toEqual({ step: step('delivery'), prop: 'invoice.email' })
  })

  it('shows whole-group problems on the group’s first item', () => {
    expect(fieldLocation('organisation', 'enterprise')).toEqual({ step: 1, prop: 'organisation.name' })
    expect(fieldLocation('person', 'personal')).toEqual({ step: 1, prop: 'person.name' })
    expect(fieldLocation('shipping', 'enterprise')).toEqual({ step: 3, prop: 'shipping.name' })
    expect(fieldLocation('invoice', 'enterprise')).toEqual({ step: 3, prop: 'invoice.title' })
  })

  it('maps goods, materials and signing fields', () => {
    expect(fieldLocation('quantity', 'enterprise')).toEqual({ step: step('goods'), prop: 'quantity' })
    expect(fieldLocation('term_years', 'personal')).toEqual({ step: 0, prop: 'term_years' })
    expect(fieldLocation('materials', 'personal')).toEqual({ step: step('materials'), prop: 'materials' })
    expect(fieldLocation('file', 'personal')).toEqual({ step: 2, prop: 'materials' })
    expect(fieldLocation('sms_code', 'personal')).toEqual({ step: step('confirm'), prop: 'sms_code' })
    expect(fieldLocation('code', 'personal')).toEqual({ step: 4, prop: 'sms_code' })
    expect(fieldLocation('agree', 'enterprise')).toEqual({ step: 4, prop: 'agree' })
  })

  it('puts "one open order per ID number" on the subject’s ID', () => {
    expect(fieldLocation('id_number', 'enterprise')?.prop).toBe('organisation.id_number')
    expect(fieldLocation('id_number', 'personal')?.prop).toBe('person.id_number')
  })

  it('leaves unknown fields to a toast', () => {
    expect(fieldLocation(null, 'enterprise')).toBeNull()
    expect(fieldLocation('', 'enterprise')).toBeNull()
    expect(fieldLocation('signature', 'enterprise')).toBeNull()
  })
})

describe('identifiers', () => {
  it('check GB 32100 credit codes like the server', () => {
    // From crates/server/tests: credit_code("91350100M000100Y4") = 91350100M000100Y43.
    expect(creditCheckCharacter('91350100M000100Y4')).toBe('3')
    expect(isValidCreditCode('91350100M000100Y43')).toBe(true)
    expect(isValidCreditCode(' 91350100 m000100y43 ')).toBe(true)
    expect(isValidCreditCode('91350100M000100Y44')).toBe(false)
    expect(isValidCreditCode('91350100M000100Y4')).toBe(false)
  })

  it('check GB 11643 ID numbers', () => {
    expect(idCheckDigit('11010519491231002')).toBe('X')
    expect(isValidIdNumber('11010519491231002X')).toBe(true)
    expect(isValidIdNumber('11010519491231002x')).toBe(true)
    expect(isValidIdNumber('110105194912310021')).toBe(false)
    expect(isValidIdNumber('110105194913310027')).toBe(false)
  })

  it('check bank cards with Luhn', () => {
    expect(luhnOk('4111111111111111')).toBe(true)
    expect(luhnOk('4111 1111 1111 1111')).toBe(true)
    expect(luhnOk('4111111111111112')).toBe(false)
  })
})

describe('query strings', () => {
  it('drop empty values', () => {
    expect(queryString({ status: 'finished', number: '', name: undefined, from: 0 })).toBe('?status=finished&from=0')
    expect(queryString({})).toBe('')
    expect(queryString({ name: '福州 测试' })).toBe('?name=%E7%A6%8F%E5%B7%9E+%E6%B5%8B%E8%AF%95')
  })
})

// The shared SMS-code step and password pair, mounted inside an Element Plus form as the views do.
import ElementPlus, { ElForm } from 'element-plus'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick, reactive, type App } from 'vue'
import PasswordPairFields from '@/components/PasswordPairFields.vue'
import SmsCodeStep from '@/components/SmsCodeStep.vue'
import { i18n } from '@/i18n'

const calls = vi.hoisted(() => ({ captcha: 0, sent: [] as unknown[] }))

vi.mock('@/api/accounts', () => ({
  accounts: {
    captcha: async () => {
      calls.captcha += 1
      return { captcha_id: `captcha-${calls.captcha}`, image: 'data:image/png;base64,', expires_in: 300 }
    },
    sendSmsCode: async (request: unknown) => {
      calls.sent.push(request)
      return { resend_after: 60 }
    },
  },
}))

let app: App | null = null
let root: HTMLElement

function mount(render: () => ReturnType<typeof h>): void {
  root = document.createElement('div')
  document.body.appendChild(root)
  app = createApp(defineComponent({ render }))
  app.use(i18n)
  app.use(ElementPlus)
  app.mount(root)
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await nextTick()
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}

function byTestId(id: string): HTMLElement {
  const element = root.querySelector<HTMLElement>(`[data-testid="${id}"]`)
  if (!element) throw new Error(`no element ${id} in ${root.innerHTML.slice(0, 600)}`)
  return element
}

beforeEach(() => {
  calls.captcha = 0
  calls.sent = []
  i18n.global.locale.value = 'en'
})

afterEach(() => {
  app?.unmount()
  app = null
  root.remove()
})

describe('SmsCodeStep', () => {
  function mountStep(check: () => Promise<boolean>) {
    const form = reactive({ captcha_answer: '', sms_code: '' })
    const errors: unknown[] = []
    mount(() =>
      h(ElForm, { model: form }, () =>
        h(SmsCodeStep, {
          captcha: form.captcha_answer,
          'onUpdate:captcha': (v: string) => (form.captcha_answer = v),
          code: form.sms_code,
          'onUpdate:code': (v: string) => (form.sms_code = v),
          purpose: 'change_phone_new',
          phone: () => '13800000000',
          check,
          onError: (err: unknown) => errors.push(err),
          testid: 'step',
        }),
      ),
    )
    return { form, errors }
  }

  it('sends the code for its purpose with the captcha shown, then renews the captcha', async () => {
    const { form } = mountStep(async () => true)
    await settle()
    expect(calls.captcha).toBe(1)
    form.captcha_answer = 'AB12'
    await settle()
    byTestId('step-sms-send-button').click()
    await settle()
    expect(calls.sent).toEqual([
      { phone: '13800000000', purpose: 'change_phone_new', captcha_id: 'captcha-1', captcha_answer: 'AB12' },
    ])
    // Single-use captcha: a new one is fetched after the send.
    expect(calls.captcha).toBe(2)
    expect(byTestId('step-sms-send-button').textContent).toContain('60')
  })

  it('sends nothing when the form check fails', async () => {
    mountStep(async () => false)
    await settle()
    byTestId('step-sms-send-button').click()
    await settle()
    expect(calls.sent).toEqual([])
    expect(calls.captcha).toBe(1)
  })
})

describe('PasswordPairFields', () => {
  it('binds both fields and labels a new password as such', async () => {
    const form = reactive({ new_password: '', confirm: '' })
    mount(() =>
      h(ElForm, { model: form }, () =>
        h(PasswordPairFields, {
          password: form.new_password,
          'onUpdate:password': (v: string) => (form.new_password = v),
          confirm: form.confirm,
          'onUpdate:confirm': (v: string) => (form.confirm = v),
          kind: 'new',
          passwordTestid: 'pw',
          confirmTestid: 'pw-confirm',
        }),
      ),
    )
    await settle()
    const input = byTestId('pw') as HTMLInputElement
    input.value = 'Signet#2026'
    input.dispatchEvent(new Event('input'))
    await settle()
    expect(form.new_password).toBe('Signet#2026')
    expect(input.getAttribute('autocomplete')).toBe('new-password')
    expect(root.textContent).toContain(i18n.global.t('field.newPassword'))
    expect(root.textContent).toContain(i18n.global.t('field.confirmNewPassword'))
  })
})

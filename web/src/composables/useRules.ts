import type { FormItemRule } from 'element-plus'
import { useI18n } from 'vue-i18n'
import {
  isValidEmail,
  isValidLoginName,
  isValidPassword,
  isValidPhone,
  isValidSmsCode,
} from '@/utils/validators'

type Check = (value: string) => boolean

/** Element Plus form rules whose messages follow the current language. */
export function useRules() {
  const { t } = useI18n()

  function rule(check: Check, messageKey: string, trigger: string | string[] = 'blur'): FormItemRule {
    return {
      trigger,
      validator: (_rule, value: unknown, callback) => {
        if (check(typeof value === 'string' ? value : '')) callback()
        else callback(new Error(t(messageKey)))
      },
    }
  }

  function required(nameKey: string): FormItemRule {
    return {
      trigger: 'blur',
      validator: (_rule, value: unknown, callback) => {
        if (typeof value === 'string' ? value.trim() !== '' : value != null) callback()
        else callback(new Error(t('validation.required', { name: t(nameKey) })))
      },
    }
  }

  return {
    required,
    phone: [rule(isValidPhone, 'validation.phoneInvalid')],
    captcha: [rule((v) => v.trim().length > 0, 'validation.captchaRequired')],
    smsCode: [rule(isValidSmsCode, 'validation.smsCodeInvalid')],
    password: [rule(isValidPassword, 'validation.passwordRule')],
    loginName: [rule(isValidLoginName, 'validation.loginNameRule')],
    email: [rule(isValidEmail, 'validation.emailInvalid')],
    realName: [required('field.realName')],
    /** The second password must equal what `first()` returns. */
    confirm(first: () => string): FormItemRule[] {
      return [
        {
          trigger: ['blur', 'change'],
          validator: (_rule, value: unknown, callback) => {
            if (typeof value === 'string' && value !== '' && value === first()) callback()
            else callback(new Error(t('validation.passwordMismatch')))
          },
        },
      ]
    },
    agree: [
      {
        trigger: 'change',
        validator: (_rule: unknown, value: unknown, callback: (e?: Error) => void) => {
          if (value === true) callback()
          else callback(new Error(t('validation.agreeRequired')))
        },
      } satisfies FormItemRule,
    ],
  }
}

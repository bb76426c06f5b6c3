// Element Plus rules for the desk forms; messages follow the current language.
import type { FormItemRule } from 'element-plus'
import { useI18n } from 'vue-i18n'
import { isValidCreditCode, isValidIdNumber, luhnOk } from '@/utils/ids'
import { isValidEmail, isValidPhone } from '@/utils/validators'

export function useDeskRules() {
  const { t } = useI18n()

  const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '')

  /** `check` must pass; when `optional`, an empty value passes too. */
  function rule(check: (v: string) => boolean, message: () => string, optional = false): FormItemRule {
    return {
      trigger: 'blur',
      validator: (_rule, value: unknown, callback) => {
        const v = text(value)
        if ((optional && v === '') || check(v)) callback()
        else callback(new Error(message()))
      },
    }
  }

  /** Marks the item required (the asterisk) and checks it is not blank. */
  function required(nameKey: string): FormItemRule {
    return { ...rule((v) => v !== '', () => t('validation.required', { name: t(nameKey) })), required: true }
  }

  return {
    required,
    creditCode: [required('desk.applicant.orgIdNumber'), rule(isValidCreditCode, () => t('desk.validation.creditCode'))],
    idNumber: (nameKey: string): FormItemRule[] => [
      required(nameKey),
      rule(isValidIdNumber, () => t('desk.validation.idNumber')),
    ],
    phone: (nameKey: string, optional = false): FormItemRule[] => [
      ...(optional ? [] : [required(nameKey)]),
      rule((v) => isValidPhone(v.replace(/\s/g, '')), () => t('validation.phoneInvalid'), optional),
    ],
    email: (nameKey: string): FormItemRule[] => [required(nameKey), rule(isValidEmail, () => t('validation.emailInvalid'))],
    card: [required('desk.verify.card'), rule(luhnOk, () => t('desk.validation.card'))],
    account: [
      required('desk.verify.account'),
      rule((v) => /^\d{8,30}$/.test(v.replace(/[\s\u3000]/g, '')), () => t('desk.validation.account')),
    ],
    amount: [rule((v) => /^¥?\d+(\.\d{1,2})?$/.test(v), () => t('desk.validation.amount'))],
  }
}

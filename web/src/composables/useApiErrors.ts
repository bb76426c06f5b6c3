import { ElMessage } from 'element-plus'
import { reactive, watch } from 'vue'
import { useI18n } from 'vue-i18n'
import { ApiError } from '@/api/client'

/** Server field names that are shown on another form item. */
const FIELD_ALIASES: Record<string, string> = {
  captcha_id: 'captcha_answer',
  captcha: 'captcha_answer',
  code: 'sms_code',
}

/** Formats "please retry in …" for lockouts and rate limits. */
export function retryHint(t: (key: string, named: Record<string, unknown>) => string, seconds: number): string {
  if (seconds >= 120) return t('errors.retryAfterMinutes', { n: Math.ceil(seconds / 60) })
  return t('errors.retryAfter', { n: seconds })
}

/**
 * Shows API problems: next to the form item named by `field` when the form has it, else as a
 * message box. Field errors clear as soon as the user types into that field.
 *
 * @param fields form item props (named like the request fields) that can show an error
 * @param model the form model; editing a field clears its server error
 * @param aliases extra server-field → form-item mappings for this form
 */
export function useApiErrors<F extends string>(
  fields: readonly F[],
  model?: Partial<Record<F, unknown>>,
  aliases: Record<string, F> = {} as Record<string, F>,
) {
  const { t, locale } = useI18n()
  const errors = reactive(Object.fromEntries(fields.map((f) => [f, '']))) as Record<F, string>

  if (model) {
    for (const f of fields) {
      if (f in model) {
        watch(
          () => model[f],
          (value) => {
            // Programmatic resets (a new captcha, a cleared form) keep the message visible.
            if (value !== '' && value !== undefined && value !== null) errors[f] = ''
          },
        )
      }
    }
  }

  function clear(): void {
    for (const f of fields) errors[f] = ''
  }

  function targetField(field: string | null): F | null {
    if (!field) return null
    const mapped = aliases[field] ?? FIELD_ALIASES[field] ?? field
    return (fields as readonly string[]).includes(mapped) ? (mapped as F) : null
  }

  /** Displays `err`; returns the problem code (or null for non-API errors). */
  function handle(err: unknown): string | null {
    if (err instanceof ApiError) {
      const message = err.localizedMessage(locale.value)
      const target = targetField(err.field)
      if (target) {
        errors[target] = message
      } else {
        const retry = err.retryAfter
        const text = retry && err.code !== 'sms_too_soon' ? `${message}，${retryHint(t, retry)}` : message
        ElMessage({ type: 'error', message: text, grouping: true, duration: 5000, customClass: 'api-error-message' })
      }
      return err.code
    }
    ElMessage({ type: 'error', message: err instanceof Error ? err.message : String(err), grouping: true })
    return null
  }

  return { errors, clear, handle }
}

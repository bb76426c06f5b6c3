import { ElMessage } from 'element-plus'
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { accounts } from '@/api/accounts'
import { ApiError } from '@/api/client'
import type { SmsCodeRequest } from '@/api/types'
import { maskPhone } from '@/utils/validators'
import { useCountdown } from './useCountdown'

export const DEFAULT_RESEND_SECONDS = 60

/**
 * Sends SMS codes behind a graphic captcha and drives the "60 秒后重新获取" countdown.
 * The captcha is single-use, so `refreshCaptcha` runs after every attempt that reached the
 * server, successful or not.
 */
export function useSmsSender(options: {
  refreshCaptcha: () => void | Promise<void>
  onError: (err: unknown) => void
}) {
  const { t } = useI18n()
  const countdown = useCountdown()
  const sending = ref(false)

  async function send(request: SmsCodeRequest): Promise<boolean> {
    if (sending.value || countdown.running.value) return false
    sending.value = true
    try {
      const sent = await accounts.sendSmsCode(request)
      countdown.start(sent.resend_after || DEFAULT_RESEND_SECONDS)
      ElMessage({
        type: 'success',
        message:
          request.purpose === 'change_phone_old'
            ? t('sms.sentToCurrent')
            : t('sms.sent', { phone: maskPhone(request.phone ?? '') }),
        grouping: true,
      })
      return true
    } catch (err) {
      if (err instanceof ApiError && err.code === 'sms_too_soon' && err.retryAfter) {
        countdown.start(err.retryAfter)
      }
      options.onError(err)
      return false
    } finally {
      sending.value = false
      await options.refreshCaptcha()
    }
  }

  return { send, sending, countdown: countdown.remaining, counting: countdown.running }
}

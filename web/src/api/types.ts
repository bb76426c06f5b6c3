// Types of the Signet HTTP API v1, as described in docs/api.md. Request and response bodies are
// read from the generated schema.d.ts (`cargo xtask openapi`); the rest are still written by hand
// and must be kept in step with the server's OpenAPI document (/api/v1/openapi.json).
import type { RequestJson, ResponseJson } from './operations'

/** Locales the server localises `message` into. */
export type ProblemLocale = 'zh-CN' | 'en'

/** RFC 9457 problem details, as returned with `application/problem+json`. */
export interface Problem {
  type: string
  title: string
  status: number
  /** Stable machine-readable code, e.g. `captcha_wrong`. */
  code: string
  message: Partial<Record<ProblemLocale, string>> & Record<string, string | undefined>
  /** Request field at fault, when there is one. */
  field?: string | null
  /** Seconds to wait (lockouts, rate limits, SMS resend gaps). */
  retry_after?: number | null
}

export interface User {
  id: string
  login_name: string
  real_name: string
  phone_masked: string
  email_masked: string
  has_password: boolean
  has_avatar: boolean
  created_at: string
}

/** `GET /api/v1/session` */
export interface SessionInfo {
  csrf_token: string
  user: User | null
  must_set_password: boolean
}

/** `POST /api/v1/captcha` */
export type Captcha = ResponseJson<'/api/v1/captcha', 'post'>

export type SmsPurpose =
  | 'register'
  | 'login'
  | 'reset_password'
  | 'change_phone_old'
  | 'change_phone_new'

/** `POST /api/v1/sms-codes` */
export type SmsCodeRequest = RequestJson<'/api/v1/sms-codes', 'post'>

export type SmsCodeSent = ResponseJson<'/api/v1/sms-codes', 'post'>

/** `POST /api/v1/register/phone` */
export type RegisterPhoneRequest = RequestJson<'/api/v1/register/phone', 'post'>

export type RegisterPhoneResponse = ResponseJson<'/api/v1/register/phone', 'post'>

/** `POST /api/v1/register` */
export type RegisterRequest = RequestJson<'/api/v1/register', 'post'>

/** `POST /api/v1/login/password` */
export type PasswordLoginRequest = RequestJson<'/api/v1/login/password', 'post'>

/** `POST /api/v1/login/sms` */
export type SmsLoginRequest = RequestJson<'/api/v1/login/sms', 'post'>

export interface SmsLoginResponse {
  user: User
  must_set_password: boolean
}

/** `POST /api/v1/password/reset` */
export type PasswordResetRequest = RequestJson<'/api/v1/password/reset', 'post'>

/** `PUT /api/v1/me/password` */
export type ChangePasswordRequest = RequestJson<'/api/v1/me/password', 'put'>

/** `POST /api/v1/me/password/initial` */
export type InitialPasswordRequest = RequestJson<'/api/v1/me/password/initial', 'post'>

/** `PUT /api/v1/me/phone` */
export type ChangePhoneRequest = RequestJson<'/api/v1/me/phone', 'put'>

// Types of the Signet HTTP API v1, as described in docs/api.md.
// Keep these in step with the server's OpenAPI document (/api/v1/openapi.json).

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
export interface Captcha {
  captcha_id: string
  /** `data:image/png;base64,…` */
  image: string
  expires_in: number
}

export type SmsPurpose =
  | 'register'
  | 'login'
  | 'reset_password'
  | 'change_phone_old'
  | 'change_phone_new'

/** `POST /api/v1/sms-codes` */
export interface SmsCodeRequest {
  phone: string
  purpose: SmsPurpose
  captcha_id: string
  captcha_answer: string
}

export interface SmsCodeSent {
  resend_after: number
  expires_in: number
}

/** `POST /api/v1/register/phone` */
export interface RegisterPhoneRequest {
  phone: string
  sms_code: string
  agree: boolean
}

export interface RegisterPhoneResponse {
  phone_masked: string
}

/** `POST /api/v1/register` */
export interface RegisterRequest {
  login_name: string
  real_name: string
  email: string
  password: string
}

/** `POST /api/v1/login/password` */
export interface PasswordLoginRequest {
  identifier: string
  password: string
  captcha_id: string
  captcha_answer: string
}

/** `POST /api/v1/login/sms` */
export interface SmsLoginRequest {
  phone: string
  sms_code: string
}

export interface SmsLoginResponse {
  user: User
  must_set_password: boolean
}

/** `POST /api/v1/password/reset` */
export interface PasswordResetRequest {
  phone: string
  sms_code: string
  new_password: string
}

/** `PUT /api/v1/me/password` */
export interface ChangePasswordRequest {
  old_password: string
  new_password: string
}

/** `POST /api/v1/me/password/initial` */
export interface InitialPasswordRequest {
  password: string
}

/** `PUT /api/v1/me/phone` */
export interface ChangePhoneRequest {
  phone: string
  sms_code: string
}

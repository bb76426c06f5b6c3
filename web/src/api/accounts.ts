// Account endpoints (docs/api.md, "Session and captcha", "SMS codes", "Accounts").
import { api, type ApiClient } from './client'
import type {
  Captcha,
  ChangePasswordRequest,
  ChangePhoneRequest,
  InitialPasswordRequest,
  PasswordLoginRequest,
  PasswordResetRequest,
  RegisterPhoneRequest,
  RegisterPhoneResponse,
  RegisterRequest,
  SessionInfo,
  SmsCodeRequest,
  SmsCodeSent,
  SmsLoginRequest,
  SmsLoginResponse,
  User,
} from './types'

export const AVATAR_URL = '/api/v1/me/avatar'
export const AVATAR_MAX_BYTES = 2 * 1024 * 1024

export function accountsApi(client: ApiClient = api) {
  return {
    session: (): Promise<SessionInfo> => client.session(),
    captcha: (): Promise<Captcha> => client.post<Captcha>('/api/v1/captcha'),
    sendSmsCode: (body: SmsCodeRequest): Promise<SmsCodeSent> => client.post('/api/v1/sms-codes', body),

    registerPhone: (body: RegisterPhoneRequest): Promise<RegisterPhoneResponse> =>
      client.post('/api/v1/register/phone', body),
    register: (body: RegisterRequest): Promise<User> => client.post('/api/v1/register', body),

    loginPassword: (body: PasswordLoginRequest): Promise<User> => client.post('/api/v1/login/password', body),
    loginSms: (body: SmsLoginRequest): Promise<SmsLoginResponse> => client.post('/api/v1/login/sms', body),
    logout: (): Promise<void> => client.post('/api/v1/logout'),
    resetPassword: (body: PasswordResetRequest): Promise<void> => client.post('/api/v1/password/reset', body),

    me: (): Promise<User> => client.get('/api/v1/me'),
    setInitialPassword: (body: InitialPasswordRequest): Promise<void> =>
      client.post('/api/v1/me/password/initial', body),
    changePassword: (body: ChangePasswordRequest): Promise<void> => client.put('/api/v1/me/password', body),
    changeLoginName: (login_name: string): Promise<User> => client.put('/api/v1/me/login-name', { login_name }),
    changeEmail: (email: string): Promise<User> => client.put('/api/v1/me/email', { email }),
    verifyOldPhone: (sms_code: string): Promise<void> => client.post('/api/v1/me/phone/verify-old', { sms_code }),
    changePhone: (body: ChangePhoneRequest): Promise<User> => client.put('/api/v1/me/phone', body),
    uploadAvatar: (file: Blob, filename = 'avatar'): Promise<User> => {
      const form = new FormData()
      form.append('avatar', file, filename)
      return client.upload('/api/v1/me/avatar', form)
    },
  }
}

export const accounts = accountsApi()

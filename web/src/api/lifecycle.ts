// Certificate lifecycle endpoints: the holder's certificates (list, revoke, renew / change /
// reissue, unlock), USB-key updates, certificate login and certificate bindings.
import { api, type ApiClient } from './client'
import type { Business, CertificateInfo, OrderDetail, SentCode, Timestamp } from './deskTypes'

export type HeldStatus = 'active' | 'expired' | 'revoked'

/** One of the user's certificates (`GET /api/v1/certificates`). */
/** A certificate's subject as a person reads it (identifier masked). */
export interface SubjectView {
  name: string
  organisation: string | null
  id_masked: string | null
  /** RFC 4514, identifier masked. */
  masked: string
}

export interface HeldCertificate {
  serial: string
  /** RFC 4514, identifier masked. */
  subject: string
  subject_view: SubjectView
  /** `cloud` or `usb_key`. */
  medium: 'cloud' | 'usb_key'
  token_serial: string | null
  product_name: string
  order_id: string
  not_before: Timestamp
  not_after: Timestamp
  status: HeldStatus
  days_left: number
  /** The account's phone, masked. */
  bound_phone: string
  /** The kind of an open order acting on this certificate, if any. */
  business_in_progress: string | null
  renewable: boolean
  /** What the holder may do now, as the server's guards decide. */
  allowed_actions: CertificateAction[]
}

export type CertificateAction = 'renew' | 'change' | 'reissue' | 'unlock' | 'revoke'

/** `GET /api/v1/certificates/{serial}`. */
export interface CertificateDetail {
  held: HeldCertificate
  issuer: string
  ca: string
  profile: string
  key_algorithm: string
  revoked_at: Timestamp | null
  /** The issuing CA, then the root. */
  chain: SubjectView[]
  cert_pem: string
  chain_pem: string
}

export type CertificateFileFormat = 'pem' | 'der' | 'chain'

/** Links the browser opens itself (downloads). */
export const lifecycleUrls = {
  download: (serial: string, format: CertificateFileFormat): string =>
    `/api/v1/certificates/${encodeURIComponent(serial)}/download?format=${format}`,
}

export interface Revoked {
  serial: string
  reason: string
  revoked_at: Timestamp
}

export interface UnlockAuthorisation {
  unlock_code: string
  token_serial: string
  expires_at: Timestamp
}

export interface Challenge {
  challenge_id: string
  challenge: string
  expires_at: Timestamp
}

export interface SignedChallenge {
  challenge_id: string
  /** base64 DER or PEM. */
  certificate: string
  /** base64. */
  signature: string
}

const enc = encodeURIComponent

export function lifecycleApi(client: ApiClient = api) {
  const cert = (serial: string): string => `/api/v1/certificates/${enc(serial)}`
  return {
    list: (expiring = false): Promise<HeldCertificate[]> => client.get(`/api/v1/certificates?expiring=${expiring}`),
    detail: (serial: string): Promise<CertificateDetail> => client.get(cert(serial)),
    openBusiness: (serial: string, kind: Exclude<Business, 'new' | 'unlock'>): Promise<OrderDetail> =>
      client.post(`${cert(serial)}/orders`, { kind }),
    revocationCode: (serial: string): Promise<SentCode> => client.post(`${cert(serial)}/revocation-code`),
    revoke: (serial: string, reason: string, sms_code: string): Promise<Revoked> =>
      client.post(`${cert(serial)}/revoke`, { reason, sms_code }),
    unlockCode: (serial: string): Promise<SentCode> => client.post(`${cert(serial)}/unlock-code`),
    /** `redeemer` comes from the key agent (`unlockRedeemer`): only that agent can redeem the code, and it does so itself. */
    unlockAuthorisation: (serial: string, sms_code: string, redeemer: string): Promise<UnlockAuthorisation> =>
      client.post(`${cert(serial)}/unlock-authorisation`, { sms_code, redeemer }),
    keyUpdate: (order: string, csr: string, token_serial: string): Promise<CertificateInfo> =>
      client.post(`/api/v1/orders/${enc(order)}/key-update`, { csr, token_serial }),

    loginChallenge: (): Promise<Challenge> => client.post('/api/v1/login/certificate/challenge'),
    loginWithCertificate: (body: SignedChallenge): Promise<unknown> => client.post('/api/v1/login/certificate', body),
    bindChallenge: (): Promise<Challenge> => client.post('/api/v1/me/certificates/challenge'),
    bind: (body: SignedChallenge): Promise<unknown> => client.post('/api/v1/me/certificates', body),
    bindings: (): Promise<{ serials: string[] }> => client.get('/api/v1/me/certificates'),
    unbind: (serial: string): Promise<unknown> => client.request('DELETE', `/api/v1/me/certificates/${enc(serial)}`),
  }
}

export const lifecycle = lifecycleApi()

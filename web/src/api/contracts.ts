// E-contract platform, part 1: consent and real-name authentication, spaces, enterprise
// certification (through the desk's wizard), my enterprises, information change, the
// enterprise's certificates and certificate orders.
import { api, type ApiClient } from './client'
import type { CertificateInfo, OrderState, SentCode, Timestamp } from './deskTypes'

export interface ConsentText {
  document: 'privacy' | 'biometric'
  version: string
  title: string
  title_en: string
  body: string
}

export interface PersonView {
  name_masked: string
  id_masked: string
  method: RealNameMethod
  certificate_serial: string | null
  verified_at: Timestamp
}

export type RealNameMethod = 'carrier3' | 'bank4' | 'face'

/** The signing PIN of the person's cloud key: set or not, locked until when. */
export interface PinStatus {
  serial: string
  pin_set: boolean
  locked_until: Timestamp | null
}

export interface RealNameStatus {
  consented: boolean
  person: PersonView | null
}

export interface RealNameInput {
  name: string
  id_number: string
  method: RealNameMethod
  card?: string
  card_phone?: string
}

export interface RealNameCheck {
  method: RealNameMethod
  state: 'passed' | 'failed' | 'pending'
  detail: string
  face_url: string | null
  person: PersonView | null
}

export type Role = 'admin' | 'delegate' | 'member'

export interface EnterpriseSpace {
  enterprise_id: string
  name: string
  state: string
  role: Role
}

export interface Spaces {
  real_named: boolean
  person: PersonView | null
  enterprises: EnterpriseSpace[]
  /** `personal` or the id of the enterprise to land in after login. */
  landing: string
}

export interface CertifyInput {
  name: string
  credit_code: string
  legal_rep_name: string
  legal_rep_id_number: string
  legal_rep_phone: string
}

export type EnterpriseAction = 'continue' | 'withdraw' | 'recertify' | 'change'

export interface EnterpriseView {
  id: string
  name: string
  credit_code: string
  legal_rep_name_masked: string
  state: 'certifying' | 'certified' | 'withdrawn' | 'recertifying'
  state_label: string
  medium: 'cloud' | 'ukey'
  order_id: string | null
  order_number: string | null
  order_state: OrderState | null
  order_state_label: string | null
  certificate_serial: string | null
  certified_at: Timestamp | null
  role: Role | null
  actions: EnterpriseAction[]
  created_at: Timestamp
}

export interface EnterpriseCertificate {
  serial: string
  subject: string
  ca: string
  not_after: Timestamp
  status: string
  expiring: boolean
  expired: boolean
  current: boolean
}

export interface EnterpriseOrder {
  order_id: string
  number: string
  purpose: 'certify' | 'recertify' | 'renew'
  state: OrderState
  state_label: string
  created_at: Timestamp
  actions: ('continue' | 'withdraw')[]
}

export interface CertificatesPage {
  certificates: EnterpriseCertificate[]
  renewal: EnterpriseCertificate[]
  orders: EnterpriseOrder[]
}

const enc = encodeURIComponent

export function contractsApi(client: ApiClient = api) {
  const enterprise = (id: string): string => `/api/v1/enterprises/${enc(id)}`
  return {
    consentTexts: (): Promise<ConsentText[]> => client.get('/api/v1/contracts/consent-texts'),
    consent: (accepted: { document: string; version: string }[]): Promise<void> =>
      client.post('/api/v1/me/consents', { accepted }),
    realNameStatus: (): Promise<RealNameStatus> => client.get('/api/v1/me/real-name'),
    startRealName: (input: RealNameInput): Promise<RealNameCheck> => client.post('/api/v1/me/real-name', input),
    personCertificate: (): Promise<CertificateInfo> => client.get('/api/v1/me/person-certificate'),
    signingPin: (): Promise<PinStatus> => client.get('/api/v1/me/signing-pin'),
    signingPinCode: (): Promise<SentCode> => client.post('/api/v1/me/signing-pin/code', {}),
    setSigningPin: (pin: string, sms_code: string): Promise<void> => client.put('/api/v1/me/signing-pin', { pin, sms_code }),
    spaces: (): Promise<Spaces> => client.get('/api/v1/me/spaces'),

    myEnterprises: (): Promise<EnterpriseView[]> => client.get('/api/v1/me/enterprises'),
    certify: (input: CertifyInput): Promise<EnterpriseView> => client.post('/api/v1/enterprises', input),
    enterprise: (id: string): Promise<EnterpriseView> => client.get(enterprise(id)),
    withdraw: (id: string): Promise<EnterpriseView> => client.post(`${enterprise(id)}/withdraw`),
    recertify: (id: string): Promise<EnterpriseView> => client.post(`${enterprise(id)}/recertify`),
    change: (id: string, body: { name?: string; legal_rep_name?: string }): Promise<EnterpriseView> =>
      client.post(`${enterprise(id)}/change`, body),
    certificates: (id: string): Promise<CertificatesPage> => client.get(`${enterprise(id)}/certificates`),
    renew: (id: string, serial: string): Promise<{ order_id: string }> =>
      client.post(`${enterprise(id)}/certificates/${enc(serial)}/renew`),
    withdrawOrder: (id: string, order: string): Promise<CertificatesPage> =>
      client.post(`${enterprise(id)}/orders/${enc(order)}/withdraw`),
  }
}

export const contracts = contractsApi()

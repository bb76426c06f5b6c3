// Registration desk endpoints: catalog, orders and their wizard, materials, identity checks,
// signing, payment, certificates; the staff console; and the sandbox's pay / face pages.
import { api, type ApiClient } from './client'
import type {
  ApplicationForm,
  Business,
  CertificateInfo,
  Material,
  MobileUploadView,
  OrderDetail,
  OrderFilter,
  OrderLine,
  OrderState,
  Payment,
  PaymentChannel,
  Project,
  SentCode,
  Shipping,
  StaffRoles,
  StartInput,
  Started,
  SubmitInput,
  UploadLink,
} from './deskTypes'

/** `?a=1&b=x` from the defined, non-empty values (empty string when none). */
export function queryString(params: object): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    q.set(k, String(v))
  }
  const text = q.toString()
  return text ? `?${text}` : ''
}

const enc = encodeURIComponent

/** Links the browser opens itself (downloads, images). */
export const deskUrls = {
  material: (id: string): string => `/api/v1/materials/${enc(id)}`,
  staffMaterial: (id: string): string => `/api/v1/staff/materials/${enc(id)}`,
  applicationForm: (order: string): string => `/api/v1/orders/${enc(order)}/application-form.pdf`,
  authorisationLetter: (order: string): string => `/api/v1/orders/${enc(order)}/authorisation-letter.pdf`,
  invoice: (order: string): string => `/api/v1/orders/${enc(order)}/invoice.pdf`,
}

export function deskApi(client: ApiClient = api) {
  const order = (id: string): string => `/api/v1/orders/${enc(id)}`
  return {
    catalog: (search?: string): Promise<Project[]> => client.get(`/api/v1/catalog${queryString({ search })}`),
    project: (code: string): Promise<Project> => client.get(`/api/v1/catalog/${enc(code)}`),

    createOrder: (product_id: string, kind: Business = 'new'): Promise<OrderDetail> =>
      client.post('/api/v1/orders', { product_id, kind }),
    orders: (filter: OrderFilter = {}): Promise<OrderLine[]> => client.get(`/api/v1/orders${queryString(filter)}`),
    order: (id: string): Promise<OrderDetail> => client.get(order(id)),
    saveForm: (id: string, form: ApplicationForm): Promise<OrderDetail> => client.put(`${order(id)}/form`, form),
    updateShipping: (id: string, shipping: Shipping): Promise<OrderDetail> =>
      client.put(`${order(id)}/shipping`, shipping),

    uploadMaterial: (id: string, kind: string, file: Blob, filename = 'material'): Promise<Material> => {
      // The server reads `kind` before `file`.
      const form = new FormData()
      form.append('kind', kind)
      form.append('file', file, filename)
      return client.upload(`${order(id)}/materials`, form)
    },
    myMaterials: (kind?: string): Promise<Material[]> => client.get(`/api/v1/materials${queryString({ kind })}`),
    uploadLink: (id: string, kind: string): Promise<UploadLink> => client.post(`${order(id)}/upload-links`, { kind }),
    mobileUploadInfo: (token: string): Promise<MobileUploadView> => client.get(`/api/v1/mobile-upload/${enc(token)}`),
    mobileUpload: (token: string, file: Blob, filename = 'material'): Promise<Material> => {
      const form = new FormData()
      form.append('file', file, filename)
      return client.upload(`/api/v1/mobile-upload/${enc(token)}`, form)
    },

    /** The signing code, behind a solved graphic captcha (single use, like the account flows). */
    signingCode: (id: string, legal_rep: boolean, captcha_id: string, captcha_answer: string): Promise<SentCode> =>
      client.post(`${order(id)}/signing-code`, { legal_rep, captcha_id, captcha_answer }),
    submit: (id: string, body: SubmitInput): Promise<OrderDetail> => client.post(`${order(id)}/submit`, body),

    startVerification: (id: string, body: StartInput): Promise<Started> =>
      client.post(`${order(id)}/verifications`, body),
    confirmDeposit: (id: string, vid: string, amount: string): Promise<Started> =>
      client.post(`${order(id)}/verifications/${enc(vid)}/deposit`, { amount }),
    offline: (id: string): Promise<OrderDetail> => client.post(`${order(id)}/offline`),

    pay: (id: string, channel: PaymentChannel): Promise<Payment> => client.post(`${order(id)}/payments`, { channel }),
    payments: (id: string): Promise<Payment[]> => client.get(`${order(id)}/payments`),
    cancel: (id: string): Promise<OrderDetail> => client.post(`${order(id)}/cancel`),
    refund: (id: string): Promise<OrderDetail> => client.post(`${order(id)}/refund`),
    certificates: (id: string): Promise<CertificateInfo[]> => client.get(`${order(id)}/certificates`),
  }
}

export function staffApi(client: ApiClient = api) {
  const order = (id: string): string => `/api/v1/staff/orders/${enc(id)}`
  return {
    roles: (): Promise<StaffRoles> => client.get('/api/v1/staff/roles'),
    queue: (filter: OrderFilter & { state?: OrderState } = {}): Promise<OrderLine[]> =>
      client.get(`/api/v1/staff/orders${queryString(filter)}`),
    order: (id: string): Promise<OrderDetail> => client.get(order(id)),
    approve: (id: string): Promise<OrderDetail> => client.post(`${order(id)}/approve`),
    reject: (id: string, reason: string): Promise<OrderDetail> => client.post(`${order(id)}/reject`, { reason }),
    ship: (id: string, courier: string, tracking_number: string): Promise<OrderDetail> =>
      client.post(`${order(id)}/ship`, { courier, tracking_number }),
    refund: (id: string): Promise<OrderDetail> => client.post(`${order(id)}/refund`),
  }
}

/** The sandbox's simulated gateway and face-check provider (sandbox mode only, no session). */
export function sandboxApi(client: ApiClient = api) {
  return {
    completePayment: (id: string, result: 'paid' | 'failed'): Promise<Payment> =>
      client.post(`/dev/payments/${enc(id)}`, { result }),
    finishFace: (token: string, passed: boolean): Promise<{ order_state: OrderState }> =>
      client.post(`/dev/face/${enc(token)}`, { passed }),
  }
}

export const desk = deskApi()
export const staff = staffApi()
export const sandbox = sandboxApi()

// Types of the registration desk API (/api/v1/catalog, /orders, /materials, /staff/…).
// They mirror crates/core/src/desk: catalog.rs, orders/*.rs, verification.rs, payments.rs,
// materials.rs and ca/authorities.rs. Timestamps are Unix seconds; amounts are integer fen.

/** Seconds since the Unix epoch. */
export type Timestamp = number

export type ProjectKind = 'project' | 'channel'
export type SubjectKind = 'enterprise' | 'personal'
export type Medium = 'usb_key' | 'own_key' | 'cloud'
export type Method = 'micro_deposit' | 'three_factor' | 'four_factor' | 'face'
export type Business = 'new' | 'renewal' | 'change' | 'reissue' | 'unlock'
export type InvoiceTiming = 'none' | 'after_payment' | 'after_shipment'
export type Party = 'organisation' | 'operator' | 'person'
export type PaymentChannel = 'wechat' | 'alipay'

export const ORDER_STATES = [
  'drafting',
  'verifying',
  'awaiting_payment',
  'awaiting_review',
  'rejected',
  'awaiting_production',
  'awaiting_update',
  'awaiting_recovery',
  'awaiting_delivery',
  'awaiting_download',
  'awaiting_unlock',
  'completed',
  'cancelled',
  'refunded',
] as const

export type OrderState = (typeof ORDER_STATES)[number]

export interface MaterialSpec {
  /** `business_licence`, `authorisation_letter`, `id_front`, `id_back`, `seal_image`… */
  kind: string
  label: string
  /** The label in the English UI; empty shows `label`. */
  label_en?: string
  required: boolean
  max_bytes: number
}

export interface ProductSettings {
  /** Terms on offer, in years. */
  terms: number[]
  min_quantity: number
  max_quantity: number
  medium: Medium
  token_model: string
  /** One certificate for one year, in fen. */
  unit_price_fen: number
  materials: MaterialSpec[]
  verification: Method[]
  operator_verification: Method[]
  invoice: InvoiceTiming
  /** `none`, `optional` or `required`. */
  seal_image: string
  review_first: boolean
  business: Business[]
  legal_rep_authorisation: boolean
  pin_min: number
  pin_max: number
  /** Renewals go through staff review (LIFE-2: optional per product). */
  renewal_review: boolean
  /** The product's name in the English UI; empty shows `name`. */
  name_en: string
}

export interface Product {
  id: string
  project_id: string
  code: string
  name: string
  subject_kind: SubjectKind
  ca: string
  profile: string
  settings: ProductSettings
  active: boolean
}

export interface Faq {
  question: string
  answer: string
  /** The English UI's question and answer; empty shows the Chinese. */
  question_en?: string
  answer_en?: string
}

/** A channel's or project's help (APP-16). */
export interface Help {
  landing_title: string
  introduction: string
  notices: string[]
  manual_url: string
  client_download_url: string
  faq: Faq[]
  service_phone: string
  service_email: string
  service_hours: string
  /** The English UI's texts; empty ones show the Chinese. */
  english: HelpEnglish
}

export interface HelpEnglish {
  name: string
  landing_title: string
  introduction: string
  notices: string[]
  service_hours: string
}

export interface Project {
  id: string
  code: string
  name: string
  /** A–Z index letter. */
  initial: string
  kind: ProjectKind
  help: Help
  products: Product[]
}

export interface Organisation {
  name: string
  /** 统一社会信用代码 */
  id_number: string
  legal_rep_name: string
  legal_rep_id_number: string
  legal_rep_phone: string
  unique_identifier: string
}

export interface Person {
  name: string
  id_number: string
  phone: string
  email: string
  address: string
  department: string
}

export interface Invoice {
  wanted: boolean
  title: string
  taxpayer_id: string
  address: string
  phone: string
  bank: string
  account: string
  email: string
}

export interface Shipping {
  name: string
  phone: string
  address: string
}

/** `PUT /api/v1/orders/{id}/form`: the whole wizard form; every part optional while drafting. */
export interface ApplicationForm {
  term_years: number
  quantity: number
  organisation: Organisation | null
  person: Person | null
  legal_rep_handles: boolean
  authorisation_grantee: string
  invoice: Invoice
  shipping: Shipping
  /** Material kind → id of an uploaded material. */
  materials: Record<string, string>
}

export interface VerificationView {
  id: string
  party: Party
  method: Method
  /** `pending`, `passed`, `failed`, `manual` or `expired`. */
  state: string
  attempts: number
  /** The result in Chinese. */
  detail: string
  /** The result's code (`note` for rows older than codes): see `checkDetailText`. */
  detail_code: string
  detail_params: Record<string, unknown>
  expires_at: Timestamp
  created_at: Timestamp
  /** About the identity the form names now; a check of data edited since counts for nothing. */
  current: boolean
}

export interface Requirement {
  party: Party
  methods: Method[]
}

export interface HistoryEntry {
  at: Timestamp
  event: string
  from_state: string
  to_state: string
  /** The note in zh-CN, for display without translation. */
  note: string
  /** The note's code (`approved`, `rejected`…; `note` for rows older than codes, text in `params.text`). */
  code: string
  params: Record<string, unknown>
}

/** What the reader may do with an order now, as the server computes it from its state machine. */
export type OrderAction =
  | 'continue'
  | 'save'
  | 'submit'
  | 'pay'
  | 'cancel'
  | 'refund'
  | 'change_shipping'
  | 'download'
  | 'approve'
  | 'reject'
  | 'produce'
  | 'ship'

/** One line of an order list (masked). */
export interface OrderLine {
  id: string
  number: string
  product_id: string
  product_name: string
  /** The English UI's product name (empty: `product_name`). */
  product_name_en: string
  kind: Business
  state: OrderState
  state_label: string
  subject_name: string
  summary: Record<string, unknown>
  amount_fen: number
  paid: boolean
  flags: string[]
  tracking_number: string | null
  created_at: Timestamp
  updated_at: Timestamp
  allowed_actions: OrderAction[]
}

export interface OrderDetail {
  id: string
  number: string
  product: Product
  kind: Business
  state: OrderState
  state_label: string
  form: ApplicationForm
  term_years: number
  quantity: number
  amount_fen: number
  /** What the next payment asks for (after an upgrade, the difference to what was paid). */
  amount_due_fen: number
  paid: boolean
  flags: string[]
  reject_reason: string | null
  signed_at: Timestamp | null
  tracking_number: string | null
  /** The applicant's own name, phone and e-mail (their own view only), for pre-filling. */
  account_contact?: { name: string; phone: string; email: string } | null
  /** The e-invoice exists (`invoice.pdf` serves it). */
  invoice_ready: boolean
  /** Serial numbers of the certificates the order produced. */
  certificates: string[]
  verifications: VerificationView[]
  verification_needed: Requirement[]
  history: HistoryEntry[]
  shipping_editable: boolean
  needs_shipping: boolean
  created_at: Timestamp
  updated_at: Timestamp
  allowed_actions: OrderAction[]
}

/** `GET /api/v1/orders` and `/staff/orders` query. */
export interface OrderFilter {
  /** `unfinished` (default), `finished` or `all`. */
  status?: 'unfinished' | 'finished' | 'all'
  state?: OrderState
  number?: string
  name?: string
  product_id?: string
  /** Business type. */
  kind?: Business
  from?: Timestamp
  to?: Timestamp
}

export interface Material {
  id: string
  kind: string
  content_type: string
  size: number
  created_at: Timestamp
}

export interface UploadLink {
  /** Path of the phone page (`/m/upload/{token}`). */
  url: string
  token: string
  expires_at: Timestamp
}

export interface MobileUploadView {
  order_number: string
  kind: string
  label: string
  label_en: string
  max_bytes: number
}

export interface SentCode {
  resend_after: number
  expires_in: number
}

export interface SubmitInput {
  agree: boolean
  sms_code: string
  legal_rep_code?: string | null
}

export interface StartInput {
  party: Party
  method: Method
  bank?: string
  account?: string
  card?: string
  card_phone?: string
}

export interface Started {
  verification: VerificationView
  order_state: OrderState
  /** Face check: the link sent to the person's phone (`/face/{token}`). */
  face_url: string | null
}

export interface Payment {
  id: string
  order_id: string
  channel: PaymentChannel | string
  amount_fen: number
  /** `pending`, `paid`, `failed` or `refunded`. */
  state: string
  /** What the payer scans (the sandbox pay page's path). */
  code_url: string | null
  paid_at: Timestamp | null
  created_at: Timestamp
}

export interface CertificateInfo {
  serial: string
  ca: string
  profile: string
  subject: string
  key_algorithm: string
  not_before: Timestamp
  not_after: Timestamp
  /** `active` or `revoked`. */
  status: string
  revoked_at: Timestamp | null
  cert_pem: string
  chain_pem: string
}

export type StaffRole = 'reviewer' | 'producer' | 'channel_admin' | string

export interface StaffRoles {
  roles: StaffRole[]
}

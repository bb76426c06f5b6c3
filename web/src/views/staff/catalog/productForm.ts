// The product dialog's form model and its conversion to and from ProductInput.
import type { ProductInput } from '@/api/catalogAdmin'
import type { Business, InvoiceTiming, Medium, Method, Product, SubjectKind } from '@/api/deskTypes'
import { formatFen } from '@/utils/desk'
import { yuanToFen } from '@/utils/money'

export const MB = 1024 * 1024

/** A material row as edited: the limit in MB (`max_bytes` is the saved value, kept when the limit is unchanged). */
export interface MaterialRow {
  kind: string
  label: string
  label_en: string
  required: boolean
  limit_mb: number
  max_bytes?: number
}
export const CAS = ['rsa', 'ecc', 'sm2'] as const
export const PROFILES = ['enterprise', 'enterprise-seal', 'personal'] as const
export const MEDIA: Medium[] = ['usb_key', 'own_key', 'cloud']
export const METHODS: Method[] = ['micro_deposit', 'three_factor', 'four_factor', 'face']
export const INVOICES: InvoiceTiming[] = ['none', 'after_payment', 'after_shipment']
export const SEALS = ['none', 'optional', 'required'] as const
export const BUSINESSES: Business[] = ['new', 'renewal', 'change', 'reissue', 'unlock']
export const TERMS = [1, 2, 3, 4, 5] as const

export interface ProductForm {
  code: string
  name: string
  subject_kind: SubjectKind
  ca: string
  profile: string
  terms: number[]
  min_quantity: number
  max_quantity: number
  medium: Medium
  token_model: string
  /** Price per certificate-year in yuan, as typed ("50.00"). */
  price: string
  materials: MaterialRow[]
  verification: Method[]
  operator_verification: Method[]
  invoice: InvoiceTiming
  seal_image: string
  review_first: boolean
  /** Renewals go through staff review (off: approved automatically unless flagged). */
  renewal_review: boolean
  /** The English UI's name (empty shows the Chinese one). */
  name_en: string
  business: Business[]
  legal_rep_authorisation: boolean
  pin_min: number
  pin_max: number
  active: boolean
}

const mb = (bytes: number): number => Math.round((bytes / MB) * 100) / 100

export function productForm(p?: Product): ProductForm {
  const s = p?.settings
  return {
    code: p?.code ?? '',
    name: p?.name ?? '',
    subject_kind: p?.subject_kind ?? 'personal',
    ca: p?.ca ?? 'ecc',
    profile: p?.profile ?? 'personal',
    terms: [...(s?.terms ?? [1])],
    min_quantity: s?.min_quantity ?? 1,
    max_quantity: s?.max_quantity ?? 1,
    medium: s?.medium ?? 'cloud',
    token_model: s?.token_model ?? '',
    price: formatFen(s?.unit_price_fen ?? 0),
    materials: (s?.materials ?? []).map((m) => ({ ...m, label_en: m.label_en ?? '', limit_mb: mb(m.max_bytes) })),
    verification: [...(s?.verification ?? ['three_factor'])],
    operator_verification: [...(s?.operator_verification ?? [])],
    invoice: s?.invoice ?? 'after_payment',
    seal_image: s?.seal_image ?? 'none',
    review_first: s?.review_first ?? false,
    renewal_review: s?.renewal_review ?? true,
    name_en: s?.name_en ?? '',
    business: [...(s?.business ?? ['new'])],
    legal_rep_authorisation: s?.legal_rep_authorisation ?? false,
    pin_min: s?.pin_min ?? 6,
    pin_max: s?.pin_max ?? 8,
    active: p?.active ?? true,
  }
}

/** The request body; `null` when the price is not a valid yuan amount. */
export function productInput(f: ProductForm): ProductInput | null {
  const fen = yuanToFen(f.price)
  if (fen === null) return null
  return {
    code: f.code.trim(),
    name: f.name.trim(),
    subject_kind: f.subject_kind,
    ca: f.ca,
    profile: f.profile,
    active: f.active,
    settings: {
      terms: [...f.terms].sort((a, b) => a - b),
      min_quantity: f.min_quantity,
      max_quantity: f.max_quantity,
      medium: f.medium,
      token_model: f.token_model.trim(),
      unit_price_fen: fen,
      materials: f.materials.map((m) => ({
        kind: m.kind.trim(),
        label: m.label.trim(),
        label_en: m.label_en.trim(),
        required: m.required,
        // An unchanged limit keeps its exact byte count.
        max_bytes: m.max_bytes !== undefined && mb(m.max_bytes) === m.limit_mb ? m.max_bytes : Math.round(m.limit_mb * MB),
      })),
      verification: [...f.verification],
      operator_verification: [...f.operator_verification],
      invoice: f.invoice,
      seal_image: f.seal_image,
      review_first: f.review_first,
      renewal_review: f.renewal_review,
      name_en: f.name_en.trim(),
      business: BUSINESSES.filter((b) => f.business.includes(b)),
      legal_rep_authorisation: f.legal_rep_authorisation,
      pin_min: f.pin_min,
      pin_max: f.pin_max,
    },
  }
}

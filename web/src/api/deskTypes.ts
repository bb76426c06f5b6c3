// Types of the registration desk API (/api/v1/catalog, /orders, /materials, /staff/…), read from
// the generated schema.d.ts (`cargo xtask openapi` writes it from the server's OpenAPI document,
// which utoipa derives from crates/core/src/desk). Only what the document does not carry is
// written here: the list of order states as a value, and the order list's query string.
// Timestamps are Unix seconds; amounts are integer fen.
import type { components } from './schema'

type Schemas = components['schemas']

/** Seconds since the Unix epoch. */
export type Timestamp = number

export type ProjectKind = Schemas['ProjectKind']
export type SubjectKind = Schemas['SubjectKind']
export type Medium = Schemas['Medium']
export type Method = Schemas['Method']
export type Business = Schemas['Business']
export type InvoiceTiming = Schemas['InvoiceTiming']
export type Party = Schemas['Party']
export type PaymentChannel = Schemas['Channel']

export type OrderState = Schemas['OrderState']

/** Every order state, in the order the staff filters list them (checked against the schema). */
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
] as const satisfies readonly OrderState[]

// A state the server adds and this list lacks fails the type check here.
type MissingState = Exclude<OrderState, (typeof ORDER_STATES)[number]>
const everyStateListed: [MissingState] extends [never] ? true : MissingState = true
void everyStateListed

export type MaterialSpec = Schemas['MaterialSpec']
export type ProductSettings = Schemas['ProductSettings']
export type Product = Schemas['Product']
export type Faq = Schemas['Faq']
/** A channel's or project's help (APP-16). */
export type Help = Schemas['Help']
export type HelpEnglish = Schemas['HelpEnglish']
export type Project = Schemas['Project']

export type Organisation = Schemas['Organisation']
export type Person = Schemas['Person']
export type Invoice = Schemas['Invoice']
export type Shipping = Schemas['Shipping']
/** `PUT /api/v1/orders/{id}/form`: the whole wizard form; every part optional while drafting. */
export type ApplicationForm = Schemas['ApplicationForm']

export type VerificationView = Schemas['VerificationView']
export type Requirement = Schemas['Requirement']
export type HistoryEntry = Schemas['HistoryEntry']
/** What the reader may do with an order now, as the server computes it from its state machine. */
export type OrderAction = Schemas['Action']
/** One line of an order list (masked). */
export type OrderLine = Schemas['OrderLine']
export type OrderDetail = Schemas['OrderDetail']

/** `GET /api/v1/orders` and `/staff/orders` query (a query string: not in the document's schemas). */
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

export type Material = Schemas['Material']
export type UploadLink = Schemas['UploadLink']
export type MobileUploadView = Schemas['MobileUploadView']
export type SentCode = Schemas['SentCode']
export type SubmitInput = Schemas['SubmitInput']
export type StartInput = Schemas['StartInput']
export type Started = Schemas['Started']
export type Payment = Schemas['Payment']
export type CertificateInfo = Schemas['CertificateInfo']

export type StaffRole = Schemas['Role']
export type StaffRoles = Schemas['RolesOut']

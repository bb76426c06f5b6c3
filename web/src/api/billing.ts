// Billing (ES-5): the packages on sale, the enterprise administrator's 费用中心 (summary,
// purchases, ledger records with Excel export, invoices) and the staff's package editor and
// invoice queue.
import { api, type ApiClient } from './client'
import type { Schemas } from './operations'

export type Package = Schemas['QuotaPackage']
export type PackageInput = Schemas['QuotaPackageInput']
export type Purchase = Schemas['QuotaPurchase']
export type BillingSummary = Schemas['BillingSummary']
export type QuotaRecord = Schemas['QuotaRecord']
export type Invoice = Schemas['QuotaInvoice']
export type InvoiceRequest = Schemas['QuotaInvoiceRequest']

export type RecordKind = 'purchase' | 'signing'

export interface RecordQuery {
  kind?: RecordKind
  /** Unix seconds, inclusive. */
  from?: number
  /** Unix seconds, exclusive. */
  to?: number
}

const enc = encodeURIComponent

function query(q: RecordQuery): string {
  const params = new URLSearchParams()
  if (q.kind) params.set('kind', q.kind)
  if (q.from !== undefined) params.set('from', String(q.from))
  if (q.to !== undefined) params.set('to', String(q.to))
  const text = params.toString()
  return text ? `?${text}` : ''
}

export function billingApi(client: ApiClient = api) {
  const base = (enterprise: string): string => `/api/v1/enterprises/${enc(enterprise)}/billing`
  return {
    onSale: (): Promise<Package[]> => client.get('/api/v1/billing/packages'),
    summary: (enterprise: string): Promise<BillingSummary> => client.get(base(enterprise)),
    purchases: (enterprise: string): Promise<Purchase[]> => client.get(`${base(enterprise)}/purchases`),
    purchase: (enterprise: string, id: string): Promise<Purchase> => client.get(`${base(enterprise)}/purchases/${enc(id)}`),
    buy: (enterprise: string, packageId: string, channel: 'wechat' | 'alipay'): Promise<Purchase> =>
      client.post(`${base(enterprise)}/purchases`, { package_id: packageId, channel }),
    records: (enterprise: string, q: RecordQuery): Promise<QuotaRecord[]> => client.get(`${base(enterprise)}/records${query(q)}`),
    /** The workbook's URL (a plain link: the session cookie goes with it). */
    recordsXlsx: (enterprise: string, q: RecordQuery): string => `${base(enterprise)}/records.xlsx${query(q)}`,
    invoices: (enterprise: string): Promise<Invoice[]> => client.get(`${base(enterprise)}/invoices`),
    requestInvoice: (enterprise: string, body: InvoiceRequest): Promise<Invoice> => client.post(`${base(enterprise)}/invoices`, body),
    invoicePdf: (enterprise: string, id: string): string => `${base(enterprise)}/invoices/${enc(id)}/pdf`,
    // Staff.
    allPackages: (): Promise<Package[]> => client.get('/api/v1/staff/billing/packages'),
    createPackage: (body: PackageInput): Promise<Package> => client.post('/api/v1/staff/billing/packages', body),
    updatePackage: (id: string, body: PackageInput): Promise<Package> => client.put(`/api/v1/staff/billing/packages/${enc(id)}`, body),
    invoiceQueue: (state: 'requested' | 'issued'): Promise<Invoice[]> => client.get(`/api/v1/staff/billing/invoices?state=${state}`),
    issueInvoice: (id: string, trackingNumber?: string): Promise<Invoice> =>
      client.post(`/api/v1/staff/billing/invoices/${enc(id)}/issue`, trackingNumber ? { tracking_number: trackingNumber } : {}),
  }
}

export const billing = billingApi()

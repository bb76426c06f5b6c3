// Launching contracts (ES-7, seed 004 §2.5.1.1): what the caller may launch (business types,
// their published templates with roles and fields, the quota left), a single task filled by
// form, and the bulk launch from Excel — the workbook made from the templates, the filled file
// checked row by row into a batch, a row's preview, the launch as a background job and its progress.
import { api, type ApiClient } from './client'
import type { Schemas } from './operations'
import type { RidingSeal } from './tasks'

export type LaunchOptions = Schemas['LaunchOptions']
export type LaunchType = Schemas['LaunchType']
export type LaunchTemplate = Schemas['LaunchTemplate']
export type LaunchField = Schemas['LaunchField']
export type LaunchParty = Schemas['LaunchParty']
export type OrderKind = Schemas['OrderKind']
export type BatchView = Schemas['BatchView']
export type RowReport = Schemas['RowReport']
export type CellError = Schemas['CellError']

/** A role's place in the task: who signs it, in which group, whether they may refuse. */
export interface BulkParty {
  role: string
  enterprise_id?: string | null
  group?: number | null
  may_refuse?: boolean
  /** An enterprise party's riding seal (骑缝章). */
  riding_seal?: RidingSeal | null
}

/** What every row's task shares (`title` may name fields as `{字段}`). */
export interface BulkSpec {
  business_type_id: string
  title: string
  confidential?: boolean
  deadline?: number | null
  order: OrderKind
  template_ids: string[]
  parties: BulkParty[]
  page_qr?: boolean | null
}

export interface FormLaunch {
  business_type_id: string
  title: string
  confidential?: boolean
  deadline?: number | null
  order: OrderKind
  parties: LaunchParty[]
  documents: { template_id: string; values: Record<string, string> }[]
  page_qr?: boolean | null
}

const enc = encodeURIComponent

export function launchApi(client: ApiClient = api) {
  const ent = (id: string): string => `/api/v1/enterprises/${enc(id)}`
  const batch = (id: string): string => `/api/v1/bulk-launches/${enc(id)}`
  return {
    options: (enterprise: string): Promise<LaunchOptions> => client.get(`${ent(enterprise)}/launch-options`),
    fromTemplates: (enterprise: string, body: FormLaunch): Promise<{ id: string }> =>
      client.post(`${ent(enterprise)}/tasks/from-templates`, body),
    workbookUrl: (enterprise: string, businessType: string, templateIds: string[]): string => {
      const query = new URLSearchParams({ business_type_id: businessType, template_ids: templateIds.join(',') })
      return `${ent(enterprise)}/bulk-launches/workbook?${query.toString()}`
    },
    upload: (enterprise: string, spec: BulkSpec, file: File): Promise<BatchView> => {
      const form = new FormData()
      form.append('spec', JSON.stringify(spec))
      form.append('file', file, file.name)
      return client.upload(`${ent(enterprise)}/bulk-launches`, form)
    },
    batch: (id: string): Promise<BatchView> => client.get(batch(id)),
    previewUrl: (id: string, row: number, document = 0): string => `${batch(id)}/rows/${row}/pdf?document=${document}`,
    start: (id: string, validOnly: boolean): Promise<BatchView> => client.post(`${batch(id)}/launch`, { valid_only: validOnly }),
  }
}

export const launch = launchApi()

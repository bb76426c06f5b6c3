// Paper archives (ES-10, seed 004 §2.5.2): the fields of a business type, a single archive
// (details + one scanned PDF), the bulk archive (Excel template, zip checked then archived),
// the two lists, one archive, its PDF and timestamp token, voiding.
import { api, ApiError, CSRF_HEADER, parseProblem, type ApiClient } from './client'
import { queryString } from './desk'
import type { Schemas } from './operations'

export type ArchiveField = Schemas['ArchiveField']
export type ArchiveItem = Schemas['ArchiveItem']
export type ArchiveList = Schemas['ArchiveList']
export type ArchiveView = Schemas['ArchiveView']
export type BulkCheck = Schemas['BulkCheck']
export type BulkArchived = Schemas['BulkArchived']
export type PackageProblem = Schemas['PackageProblem']
export type FieldError = Schemas['FieldError']

export type ArchiveListName = 'mine' | 'completed'

export interface PersonInput {
  name: string
  id_number: string
}

export interface ArchiveInput {
  business_type_id: string
  title: string
  fields: Record<string, string>
  persons: PersonInput[]
}

export interface BulkInput {
  business_type_id: string
  title: string
}

/** A refusal that carries a list beside the problem: fields of a form, or problems of a zip. */
export class ListedRefusal<T> extends Error {
  readonly error: ApiError
  readonly items: T[]

  constructor(error: ApiError, items: T[]) {
    super(error.message)
    this.name = 'ListedRefusal'
    this.error = error
    this.items = items
  }
}

const enc = encodeURIComponent

export function archivesApi(client: ApiClient = api) {
  const base = (enterprise: string): string => `/api/v1/enterprises/${enc(enterprise)}`
  const one = (id: string): string => `/api/v1/archives/${enc(id)}`

  /** Posts `spec` and `file` as multipart; a 400 with `errors` becomes a `ListedRefusal`. */
  async function send<T, E>(path: string, spec: unknown, file: Blob, name: string): Promise<T> {
    if (client.csrf === null) await client.session()
    const form = new FormData()
    form.append('spec', JSON.stringify(spec))
    form.append('file', file, name)
    const response = await fetch(path, {
      method: 'POST',
      body: form,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', [CSRF_HEADER]: client.csrf ?? '' },
    })
    const text = await response.clone().text()
    if (!response.ok) {
      const error = new ApiError(await parseProblem(response))
      let items: E[] = []
      try {
        items = (JSON.parse(text) as { errors?: E[] }).errors ?? []
      } catch {
        items = []
      }
      throw items.length ? new ListedRefusal<E>(error, items) : error
    }
    return JSON.parse(text) as T
  }

  return {
    fields: (enterprise: string, businessType: string): Promise<ArchiveField[]> =>
      client.get(`${base(enterprise)}/archive-fields${queryString({ business_type_id: businessType })}`),
    list: (
      enterprise: string,
      q: { list: ArchiveListName; business_type_id?: string; q?: string; cursor?: string; limit?: number },
    ): Promise<ArchiveList> => client.get(`${base(enterprise)}/archives${queryString(q)}`),
    create: (enterprise: string, input: ArchiveInput, file: File): Promise<ArchiveView> =>
      send<ArchiveView, FieldError>(`${base(enterprise)}/archives`, input, file, file.name),
    /** The bulk template's URL (a plain link: the session cookie goes with it). */
    workbookUrl: (enterprise: string, businessType: string): string =>
      `${base(enterprise)}/archive-workbook${queryString({ business_type_id: businessType })}`,
    check: (enterprise: string, input: BulkInput, zip: File): Promise<BulkCheck> =>
      send<BulkCheck, PackageProblem>(`${base(enterprise)}/archives/bulk/check`, input, zip, zip.name),
    archiveBulk: (enterprise: string, input: BulkInput, zip: File): Promise<BulkArchived> =>
      send<BulkArchived, PackageProblem>(`${base(enterprise)}/archives/bulk`, input, zip, zip.name),
    get: (id: string): Promise<ArchiveView> => client.get(one(id)),
    pdfUrl: (id: string): string => `${one(id)}/pdf`,
    timestampUrl: (id: string): string => `${one(id)}/timestamp`,
    void: (id: string, reason: string): Promise<ArchiveView> => client.post(`${one(id)}/void`, { reason }),
  }
}

export const archives = archivesApi()

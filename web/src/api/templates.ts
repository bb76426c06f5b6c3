// Contract templates (ES-11, seed 004 §2.6): the list, the upload, a template with its current
// version (pages, roles, fields, signing spots), its PDF for pdf.js, the draft, publishing, and
// the enterprise's template fields (the platform's standard ones plus its own, §2.6.2).
// Coordinates are points on the page as displayed, origin top-left, y downward.
import { api, type ApiClient } from './client'

export type TemplateState = 'draft' | 'published' | 'superseded'
export type FieldKind = 'text' | 'date' | 'number' | 'id_number' | 'mobile'
export type RoleKind = 'enterprise' | 'person'
export type EnterpriseSpotKind = 'company' | 'contract' | 'date' | 'legal_rep'
export type PersonSpotKind = 'name_seal' | 'handwriting' | 'sign_date'
export type SpotKind = EnterpriseSpotKind | PersonSpotKind
export type FontName = 'sans' | 'serif'
export type DateFormat = 'YYYY年MM月DD日' | 'YYYY-MM-DD'

/** A page as displayed (rotation applied), in points. */
export interface PageSize {
  width: number
  height: number
}

/** A rectangle on one page (1-based), in points, origin top-left. */
export interface Box {
  page: number
  x: number
  y: number
  w: number
  h: number
}

export interface TemplateRole {
  key: string
  kind: RoleKind
  name: string
}

/** A field; one key may be placed several times and its properties hold for every placement. */
export interface TemplateField {
  key: string
  kind: FieldKind
  /** null: the launcher fills it; a role key: that party completes it when signing. */
  role: string | null
  font: FontName
  size: number
  min_size: number
  required: boolean
  date_format: DateFormat | null
  placements: Box[]
}

export interface SigningSpot extends Box {
  id: string
  role: string
  kind: SpotKind
}

export interface TemplateVersion {
  id: string
  version: number
  state: TemplateState
  page_count: number
  pages: PageSize[]
  roles: TemplateRole[]
  fields: TemplateField[]
  signing: SigningSpot[]
}

/** The template's business type, with the fields it requires placed before publishing. */
export interface TemplateBusinessType {
  id: string
  code?: string
  name: string
  name_en?: string | null
  required_fields?: string[]
}

export interface TemplateView {
  id: string
  name: string
  business_type: TemplateBusinessType
  version: TemplateVersion
  published_version_id: string | null
}

/** A row of the list. */
export interface TemplateSummary {
  id: string
  name: string
  business_type_id: string
  business_type_name?: string
  version: number
  state: TemplateState
  published_version_id?: string | null
  updated_at?: number | string
}

/** A field the editor offers: the platform's standard ones and the enterprise's own. */
export interface TemplateFieldDef {
  /** The custom field's id (null for a standard field). */
  id?: string | null
  key: string
  kind: FieldKind
  label_en?: string | null
  /** false for the enterprise's own fields (they can be deleted). */
  standard?: boolean
  /** true for the enterprise's own fields. */
  custom?: boolean
}

export interface DraftInput {
  name?: string
  roles: TemplateRole[]
  fields: TemplateField[]
  signing: SigningSpot[]
}

const enc = encodeURIComponent

/** The field list: one array whose items say whether they are standard (or split in two). */
function fieldDefs(body: unknown): TemplateFieldDef[] {
  if (Array.isArray(body)) return (body as TemplateFieldDef[]).map((f) => ({ ...f, custom: f.custom ?? f.standard === false }))
  const split = body as { standard?: TemplateFieldDef[]; custom?: TemplateFieldDef[] }
  return [
    ...(split.standard ?? []).map((f) => ({ ...f, custom: false })),
    ...(split.custom ?? []).map((f) => ({ ...f, custom: true })),
  ]
}

export function templatesApi(client: ApiClient = api) {
  const base = (enterprise: string): string => `/api/v1/enterprises/${enc(enterprise)}/templates`
  const one = (enterprise: string, template: string): string => `${base(enterprise)}/${enc(template)}`
  return {
    list: (enterprise: string, businessType?: string): Promise<TemplateSummary[]> =>
      client.get(businessType ? `${base(enterprise)}?business_type=${enc(businessType)}` : base(enterprise)),
    upload: (enterprise: string, file: File, name: string, businessTypeId: string): Promise<TemplateView> => {
      const form = new FormData()
      form.append('name', name)
      form.append('business_type_id', businessTypeId)
      form.append('file', file, file.name)
      return client.upload(base(enterprise), form)
    },
    get: (enterprise: string, template: string): Promise<TemplateView> => client.get(one(enterprise, template)),
    pdfUrl: (enterprise: string, template: string, version: string): string =>
      `${one(enterprise, template)}/versions/${enc(version)}/pdf`,
    saveDraft: (enterprise: string, template: string, draft: DraftInput): Promise<TemplateView> =>
      client.put(`${one(enterprise, template)}/draft`, draft),
    publish: (enterprise: string, template: string): Promise<TemplateView> => client.post(`${one(enterprise, template)}/publish`),
    fields: async (enterprise: string): Promise<TemplateFieldDef[]> =>
      fieldDefs(await client.get(`/api/v1/enterprises/${enc(enterprise)}/template-fields`)),
    addField: (enterprise: string, field: { key: string; kind: FieldKind; label_en?: string | null }): Promise<unknown> =>
      client.post(`/api/v1/enterprises/${enc(enterprise)}/template-fields`, field),
    removeField: (enterprise: string, id: string): Promise<void> =>
      client.request('DELETE', `/api/v1/enterprises/${enc(enterprise)}/template-fields/${enc(id)}`),
  }
}

export const templates = templatesApi()

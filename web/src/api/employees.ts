// Employees of an enterprise (ES-6): field set, departments, onboarding (single, Excel, QR),
// approval, roster; and the employee's phone pages (QR self-onboarding, the SMS form).
import { api, ApiError, CSRF_HEADER, parseProblem, type ApiClient } from './client'
import { queryString } from './desk'

export type EmployeeState = 'invited' | 'submitted' | 'rejected' | 'active' | 'resigned'
export type EmployeeView = 'onboarding' | 'roster' | 'resigned'
export type FieldKind =
  | 'text'
  | 'phone'
  | 'id_number'
  | 'date'
  | 'gender'
  | 'education'
  | 'bank_card'
  | 'email'
  | 'department'

export interface FieldSpec {
  code: string
  label_zh: string
  label_en: string
  kind: FieldKind
  always: boolean
  sensitive: boolean
}

export interface FieldSet {
  catalog: FieldSpec[]
  selected: string[]
}

export interface Department {
  id: string
  parent_id: string | null
  name: string
  position: number
  employees: number
}

export interface EmployeeSummary {
  id: string
  name: string
  phone_masked: string
  id_masked: string | null
  department_id: string | null
  department_name: string | null
  position: string | null
  state: EmployeeState
  source: 'single' | 'import' | 'qr'
  reject_reason: string | null
  hired_on: string | null
  resigned_on: string | null
  created_at: number
  submitted_at: number | null
}

export interface EmployeeDetail extends EmployeeSummary {
  phone: string
  id_number: string | null
  values: Record<string, string>
}

export interface EmployeePage {
  total: number
  items: EmployeeSummary[]
}

export interface EmployeeFilter {
  view?: EmployeeView
  state?: EmployeeState | ''
  department_id?: string
  q?: string
  page?: number
  per_page?: number
}

export interface RowError {
  row: number
  column: string | null
  code: string
  zh: string
  en: string
}

export interface ImportReport {
  imported: number
  errors: RowError[]
}

export interface JoinLink {
  url: string | null
}

export interface FormPage {
  enterprise_name: string
  name: string
  phone_masked: string
  fields: FieldSpec[]
  departments: { id: string; name: string }[]
  department_id: string | null
  reject_reason: string | null
  expires_at: number
  education: string[]
}

/** An import refused with bad rows: the problem and each row's error. */
export class ImportRefused extends ApiError {
  readonly rows: RowError[]

  constructor(error: ApiError, rows: RowError[]) {
    super(error.problem)
    this.name = 'ImportRefused'
    this.rows = rows
  }
}

const enc = encodeURIComponent

export const employeeUrls = {
  template: '/api/v1/employee-template.xlsx',
}

export function employeesApi(client: ApiClient = api) {
  const base = (enterprise: string): string => `/api/v1/enterprises/${enc(enterprise)}`
  const employee = (enterprise: string, id: string): string => `${base(enterprise)}/employees/${enc(id)}`
  return {
    fields: (enterprise: string): Promise<FieldSet> => client.get(`${base(enterprise)}/employee-fields`),
    chooseFields: (enterprise: string, fields: string[]): Promise<FieldSet> =>
      client.put(`${base(enterprise)}/employee-fields`, { fields }),

    departments: (enterprise: string): Promise<Department[]> => client.get(`${base(enterprise)}/departments`),
    addDepartment: (enterprise: string, name: string, parent_id: string | null): Promise<Department> =>
      client.post(`${base(enterprise)}/departments`, { name, parent_id }),
    renameDepartment: (enterprise: string, id: string, name: string): Promise<Department> =>
      client.put(`${base(enterprise)}/departments/${enc(id)}`, { name }),
    moveDepartment: (enterprise: string, id: string, parent_id: string | null): Promise<Department> =>
      client.put(`${base(enterprise)}/departments/${enc(id)}/parent`, { parent_id }),
    deleteDepartment: (enterprise: string, id: string): Promise<void> =>
      client.request('DELETE', `${base(enterprise)}/departments/${enc(id)}`),

    list: (enterprise: string, filter: EmployeeFilter = {}): Promise<EmployeePage> =>
      client.get(`${base(enterprise)}/employees${queryString(filter)}`),
    detail: (enterprise: string, id: string): Promise<EmployeeDetail> => client.get(employee(enterprise, id)),
    onboard: (enterprise: string, name: string, phone: string, department_id: string | null): Promise<unknown> =>
      client.post(`${base(enterprise)}/employees`, { name, phone, department_id }),
    approve: (enterprise: string, id: string, department_id: string | null = null): Promise<void> =>
      client.post(`${employee(enterprise, id)}/approve`, { department_id }),
    reject: (enterprise: string, id: string, reason: string): Promise<void> =>
      client.post(`${employee(enterprise, id)}/reject`, { reason }),
    resend: (enterprise: string, id: string): Promise<void> => client.post(`${employee(enterprise, id)}/resend`),
    transfer: (enterprise: string, id: string, department_id: string): Promise<void> =>
      client.post(`${employee(enterprise, id)}/transfer`, { department_id }),
    resign: (enterprise: string, id: string, date: string): Promise<void> =>
      client.post(`${employee(enterprise, id)}/resign`, { date }),
    joinLink: (enterprise: string): Promise<JoinLink> => client.get(`${base(enterprise)}/employee-join-link`),
    renewJoinLink: (enterprise: string): Promise<JoinLink> => client.post(`${base(enterprise)}/employee-join-link`),

    /** Uploads an Excel file; bad rows come back as an `ImportRefused` carrying them. */
    async importExcel(enterprise: string, file: Blob, name: string): Promise<ImportReport> {
      if (client.csrf === null) await client.session()
      const form = new FormData()
      form.append('file', file, name)
      const response = await fetch(`${base(enterprise)}/employees/import`, {
        method: 'POST',
        body: form,
        credentials: 'same-origin',
        headers: { Accept: 'application/json', [CSRF_HEADER]: client.csrf ?? '' },
      })
      const text = await response.clone().text()
      if (!response.ok) {
        const error = new ApiError(await parseProblem(response))
        let rows: RowError[] = []
        try {
          rows = (JSON.parse(text) as { errors?: RowError[] }).errors ?? []
        } catch {
          rows = []
        }
        throw rows.length ? new ImportRefused(error, rows) : error
      }
      return JSON.parse(text) as ImportReport
    },

    joinPage: (code: string): Promise<{ enterprise_name: string }> => client.get(`/api/v1/employee-join/${enc(code)}`),
    join: (code: string, name: string, phone: string): Promise<{ phone_masked: string }> =>
      client.post(`/api/v1/employee-join/${enc(code)}`, { name, phone }),
    form: (token: string): Promise<FormPage> => client.get(`/api/v1/employee-forms/${enc(token)}`),
    submitForm: (token: string, values: Record<string, string>): Promise<{ state: EmployeeState }> =>
      client.post(`/api/v1/employee-forms/${enc(token)}`, { values }),
  }
}

export const employees = employeesApi()

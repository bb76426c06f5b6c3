// People of an enterprise (seed 004 §2.2.4, §2.7.1–2.7.2, §2.8, §2.9.3): joining, the review of
// requests, members, business types, the administrator's transfer and claim (a desk order), the seal log.
import { api, type ApiClient } from './client'

export type Role = 'admin' | 'delegate' | 'member'

export interface FoundEnterprise {
  id: string
  name: string
  credit_code: string
  my_state: string | null
}

export interface JoinedEnterprise {
  enterprise_id: string
  name: string
  credit_code: string
  enterprise_state: string
  role: Role
  state: 'pending' | 'active' | 'rejected'
  reason: string | null
  decision_reason: string | null
  updated_at: string
}

export interface JoinRequest {
  user_id: string
  name_masked: string
  phone_masked: string
  reason: string | null
  requested_at: string
}

export interface BusinessType {
  id: string
  code: string
  name: string
  name_en: string
  active: boolean
}

export interface SealOption {
  id: string
  name: string
  kind: string
}

export interface GrantOptions {
  business_types: BusinessType[]
  seals: SealOption[]
}

export interface GrantInput {
  seal_id: string
  /** Unix seconds; none: until revoked. */
  expires_at?: number | null
}

export interface GrantView {
  grant_id: string
  seal_id: string
  seal_name: string
  seal_kind: string
  seal_state: string
  granted_at: string
  expires_at: number | null
}

export interface Member {
  user_id: string
  name_masked: string
  phone_masked: string
  role: Role
  business_types: BusinessType[]
  grants: GrantView[]
  joined_at: string
}

export interface Approval {
  role: 'member' | 'delegate'
  business_type_ids: string[]
  grants: GrantInput[]
}

export interface MemberUpdate {
  role?: 'member' | 'delegate'
  business_type_ids?: string[]
  grants?: GrantInput[]
}

/** How the claimant stands for the enterprise: its legal representative, or an operator it authorised by letter. */
export type ClaimRoute = 'legal_rep' | 'authorised'

/** An administrator claim: a desk order of the "管理员申领" product, continued on the order page. */
export interface AdminClaim {
  id: string
  enterprise_id: string
  route: ClaimRoute
  state: 'open' | 'done' | 'void' | 'withdrawn'
  reason?: string | null
  order_id: string
  order_number: string
  order_state: string
  order_state_label: string
  actions: ('continue' | 'withdraw')[]
  created_at: number
  updated_at: number
}

export type LogAction = 'contracts.seal_grant' | 'contracts.seal_revoke' | 'contracts.seal_use'

export interface LogEntry {
  seq: number
  at: string
  action: LogAction
  actor: string
  seal_id: string
  seal_name: string | null
  user_id: string | null
  expires_at: number | null
  details: Record<string, unknown>
}

export interface LogPage {
  entries: LogEntry[]
  total: number
  page: number
  per_page: number
}

export interface LogFilter {
  seal_id?: string
  user_id?: string
  action?: LogAction
  from?: number
  to?: number
  page?: number
  per_page?: number
}

const enc = encodeURIComponent

function queryString(filter: object): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(filter)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

export function membersApi(client: ApiClient = api) {
  const ent = (id: string): string => `/api/v1/enterprises/${enc(id)}`
  return {
    search: (q: string): Promise<FoundEnterprise[]> => client.get(`/api/v1/enterprise-directory?q=${enc(q)}`),
    apply: (id: string, reason: string): Promise<unknown> => client.post(`${ent(id)}/join-requests`, { reason }),
    withdraw: (id: string): Promise<unknown> => client.post(`${ent(id)}/membership/withdraw`, {}),
    joined: (): Promise<JoinedEnterprise[]> => client.get('/api/v1/me/joined-enterprises'),
    requests: (id: string): Promise<JoinRequest[]> => client.get(`${ent(id)}/join-requests`),
    options: (id: string): Promise<GrantOptions> => client.get(`${ent(id)}/grant-options`),
    approve: (id: string, user: string, body: Approval): Promise<unknown> =>
      client.post(`${ent(id)}/join-requests/${enc(user)}/approve`, body),
    reject: (id: string, user: string, reason: string): Promise<unknown> =>
      client.post(`${ent(id)}/join-requests/${enc(user)}/reject`, { reason }),
    members: (id: string): Promise<Member[]> => client.get(`${ent(id)}/members`),
    update: (id: string, user: string, body: MemberUpdate): Promise<Member> => client.put(`${ent(id)}/members/${enc(user)}`, body),
    remove: (id: string, user: string, takeover_user_id?: string): Promise<unknown> =>
      client.post(`${ent(id)}/members/${enc(user)}/remove`, { takeover_user_id: takeover_user_id || null }),
    types: (id: string): Promise<BusinessType[]> => client.get(`${ent(id)}/business-types`),
    addType: (id: string, name: string, name_en?: string): Promise<BusinessType> =>
      client.post(`${ent(id)}/business-types`, { name, name_en: name_en || null }),
    updateType: (id: string, type: string, change: { name?: string; active?: boolean }): Promise<BusinessType> =>
      client.put(`${ent(id)}/business-types/${enc(type)}`, change),
    transfer: (id: string, user_id: string): Promise<unknown> => client.post(`${ent(id)}/admin/transfer`, { user_id }),
    claim: (id: string, route: ClaimRoute): Promise<AdminClaim> => client.post(`${ent(id)}/admin-claims`, { route }),
    claims: (id: string): Promise<AdminClaim[]> => client.get(`${ent(id)}/admin-claims`),
    withdrawClaim: (id: string, claim: string): Promise<AdminClaim> =>
      client.post(`${ent(id)}/admin-claims/${enc(claim)}/withdraw`, {}),
    log: (id: string, filter: LogFilter): Promise<LogPage> => client.get(`${ent(id)}/seal-log${queryString(filter)}`),
  }
}

export const members = membersApi()

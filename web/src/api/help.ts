// Help: the key agent downloads (`GET /api/v1/agent/releases`) and the producer's station
// (`/api/v1/staff/orders/{id}/production`).
import { api, type ApiClient } from './client'
import type { CertificateInfo, OrderDetail } from './deskTypes'

/** One build of the key agent the platform serves, with the checksum of exactly that file. */
export interface AgentBuild {
  /** `windows-x86_64` or `linux-x86_64`. */
  platform: string
  label: string
  url: string
  file_name: string
  size: number
  sha256: string
}

export interface AgentReleases {
  version: string
  builds: AgentBuild[]
}

/** What the producer's console makes on the next token of a USB-key order. */
export interface ProductionPlan {
  /** `ecdsa-p256` or `rsa-2048`. */
  algorithm: string
  subject_dn: string
  label: string
  pin_min: number
  pin_max: number
  token_model: string
  quantity: number
  made: number
}

export interface Produced {
  certificate: CertificateInfo
  order: OrderDetail
}

export function helpApi(client: ApiClient = api) {
  const order = (id: string): string => `/api/v1/staff/orders/${encodeURIComponent(id)}/production`
  return {
    releases: (): Promise<AgentReleases> => client.get('/api/v1/agent/releases'),
    plan: (id: string): Promise<ProductionPlan> => client.get(order(id)),
    produce: (id: string, body: { csr: string; token_serial: string; token_model: string; so_pin: string | null }): Promise<Produced> =>
      client.post(order(id), body),
  }
}

export const help = helpApi()

/** `12.3 MB` / `980 KB`. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  return `${Math.max(1, Math.round(bytes / 1024))} KB`
}

// Reports to the supervising platform as CA staff see them: every report with its state and last
// answer, and a resend for a failed one (same body, same Idempotency-Key).
import { api, type ApiClient } from './client'
import type { Schemas } from './operations'

export type ReportRow = Schemas['ReportRow']
export type ReportStatus = Schemas['ReportStatus']
export type ReportState = 'pending' | 'reported' | 'failed'
export type Dashboard = Schemas['Dashboard']

const enc = encodeURIComponent

export function regulatorApi(client: ApiClient = api) {
  return {
    list: (state?: ReportState): Promise<ReportRow[]> =>
      client.get(`/api/v1/staff/regulator-reports?limit=200${state ? `&state=${state}` : ''}`),
    resend: (id: string): Promise<void> => client.post(`/api/v1/staff/regulator-reports/${enc(id)}/resend`),
    dashboard: (days = 14): Promise<Dashboard> => client.get(`/api/v1/staff/dashboard?days=${days}`),
  }
}

export const regulator = regulatorApi()

// Background jobs as CA staff see them: the dead letters (jobs that used up their attempts) and
// a retry that puts one back in the queue with fresh attempts.
import { api, type ApiClient } from './client'
import type { Schemas } from './operations'

export type Job = Schemas['Job']

const enc = encodeURIComponent

export function jobsApi(client: ApiClient = api) {
  return {
    dead: (): Promise<Job[]> => client.get('/api/v1/staff/jobs?status=dead&limit=200'),
    retry: (id: string): Promise<Job> => client.post(`/api/v1/staff/jobs/${enc(id)}/retry`),
  }
}

export const jobs = jobsApi()

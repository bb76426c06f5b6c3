// Contract tasks (ES-8, ES-9): the lists of the signing centre, one task as its reader sees it
// (parties, documents, log and regulator reports), and the signing steps — an SMS code that
// confirms intent, then the signature under the party's own certificate — or a refusal.
import { api, type ApiClient } from './client'
import type { SentCode } from './deskTypes'
import type { Schemas } from './operations'

export type TaskView = Schemas['TaskView']
export type TaskList = Schemas['TaskList']
export type TaskListItem = Schemas['TaskListItem']
export type PartyView = Schemas['PartyView']
export type SignInput = Schemas['SignInput']
export type BatchSignInput = Schemas['BatchSignInput']
export type BatchStarted = Schemas['BatchStarted']
export type BatchSignView = Schemas['BatchSignView']
/** Most tasks in one batch signature (the server refuses more). */
export const BATCH_SIGN_MAX = 1000
/** An enterprise party's riding seal (骑缝章) at launch: `pages` is `'all'` or `{ from, to }`. */
export type RidingSeal = Schemas['RidingSeal']

/** Seal kinds that may ride across pages (the server checks the same). */
export const RIDING_KINDS = ['company', 'contract'] as const

/** The lists of the signing centre (§2.5.1.2). */
export const TASK_LISTS = ['to_sign', 'others', 'completed', 'void', 'initiated', 'cc'] as const
export type TaskListName = (typeof TASK_LISTS)[number]

const enc = encodeURIComponent

export function tasksApi(client: ApiClient = api) {
  const one = (id: string): string => `/api/v1/tasks/${enc(id)}`
  return {
    list: (list: TaskListName, q?: string, cursor?: string): Promise<TaskList> => {
      const query = new URLSearchParams({ list, limit: '20' })
      if (q) query.set('q', q)
      if (cursor) query.set('cursor', cursor)
      return client.get(`/api/v1/tasks?${query.toString()}`)
    },
    show: (id: string): Promise<TaskView> => client.get(one(id)),
    signCode: (id: string): Promise<SentCode> => client.post(`${one(id)}/sign-code`),
    sign: (id: string, body: SignInput): Promise<TaskView> => client.post(`${one(id)}/sign`, body),
    /** One SMS code for the whole set of tasks (批量签署). */
    batchSignCode: (taskIds: string[]): Promise<SentCode> =>
      client.post('/api/v1/tasks/batch-sign/code', { task_ids: taskIds }),
    batchSign: (body: BatchSignInput): Promise<BatchStarted> => client.post('/api/v1/tasks/batch-sign', body),
    batchSignView: (batchId: string): Promise<BatchSignView> => client.get(`/api/v1/tasks/batch-sign/${enc(batchId)}`),
    refuse: (id: string, reason: string): Promise<void> => client.post(`${one(id)}/refuse`, { reason }),
    documentUrl: (id: string, document: string): string => `${one(id)}/documents/${enc(document)}/pdf`,
    evidenceUrl: (id: string, document: string): string => `${one(id)}/documents/${enc(document)}/evidence`,
  }
}

export const tasks = tasksApi()

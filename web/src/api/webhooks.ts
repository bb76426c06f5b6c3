// Webhook endpoints: an enterprise administrator's endpoints for task events, their
// deliveries with attempts, a test ping, secret rotation and redelivery.
import { api, type ApiClient } from './client'
import type { Schemas } from './operations'

export type WebhookEndpoint = Schemas['Endpoint']
export type CreatedWebhook = Schemas['CreatedEndpoint']
export type WebhookDelivery = Schemas['Delivery']
export type WebhookAttempt = Schemas['Attempt']
export type CreateWebhookInput = Schemas['CreateWebhookIn']

/** The events an endpoint can subscribe to. */
export const WEBHOOK_EVENTS = ['task.launched', 'task.signed', 'task.completed', 'task.void'] as const

const enc = encodeURIComponent

export function webhooksApi(client: ApiClient = api) {
  const base = (enterprise: string): string => `/api/v1/enterprises/${enc(enterprise)}/webhooks`
  const one = (enterprise: string, id: string): string => `${base(enterprise)}/${enc(id)}`
  return {
    list: (enterprise: string): Promise<WebhookEndpoint[]> => client.get(base(enterprise)),
    create: (enterprise: string, body: CreateWebhookInput): Promise<CreatedWebhook> => client.post(base(enterprise), body),
    remove: (enterprise: string, id: string): Promise<void> => client.request('DELETE', one(enterprise, id)),
    rotate: (enterprise: string, id: string): Promise<CreatedWebhook> => client.post(`${one(enterprise, id)}/rotate-secret`),
    test: (enterprise: string, id: string): Promise<WebhookDelivery> => client.post(`${one(enterprise, id)}/test`),
    deliveries: (enterprise: string, id: string): Promise<WebhookDelivery[]> =>
      client.get(`${one(enterprise, id)}/deliveries?limit=50`),
    redeliver: (enterprise: string, id: string, delivery: string): Promise<WebhookDelivery> =>
      client.post(`${one(enterprise, id)}/deliveries/${enc(delivery)}/redeliver`),
  }
}

export const webhooks = webhooksApi()

// QR login (PC request, long poll, collection; the phone's view and answer) and handwriting
// capture (PC link, long poll, stored image; the phone's drawing page).
import { api, ApiError, CSRF_HEADER, networkProblem, parseProblem, type ApiClient } from './client'
import type { Timestamp } from './deskTypes'
import type { SmsLoginResponse } from './types'

export type QrLoginState = 'pending' | 'confirmed' | 'refused' | 'signed_in' | 'expired'

export interface QrLoginRequest {
  id: string
  /** The phone page of the request (absolute, or relative when the server has no public URL). */
  url: string
  expires_at: Timestamp
}

export interface QrLoginView {
  state: QrLoginState
  browser: string
  ip_masked: string
  created_at: Timestamp
  expires_at: Timestamp
}

export type CaptureState = 'open' | 'submitted' | 'expired'

export interface CaptureLink {
  id: string
  url: string
  expires_at: Timestamp
}

export interface CaptureStatus {
  state: CaptureState
  seal_id: string | null
}

export interface CaptureInfo {
  expires_at: Timestamp
  max_bytes: number
}

/** How long the server holds a long poll at most (seconds). */
export const WAIT_HOLD = 25

/** A link as the phone must open it: absolute, on this site when the server gave a path. */
export function absoluteLink(url: string, origin = globalThis.location?.origin ?? ''): string {
  return /^https?:\/\//.test(url) ? url : `${origin}${url}`
}

export function phoneApi(client: ApiClient = api) {
  return {
    createQrLogin: (): Promise<QrLoginRequest> => client.post('/api/v1/qr-logins'),
    waitQrLogin: (id: string, signal?: AbortSignal, hold = WAIT_HOLD): Promise<{ state: QrLoginState }> =>
      client.get(`/api/v1/qr-logins/${encodeURIComponent(id)}/wait?hold=${hold}`, { signal }),
    completeQrLogin: (id: string): Promise<SmsLoginResponse> =>
      client.post(`/api/v1/qr-logins/${encodeURIComponent(id)}/complete`),
    scanQrLogin: (secret: string): Promise<QrLoginView> => client.get(`/api/v1/qr-scans/${encodeURIComponent(secret)}`),
    confirmQrLogin: (secret: string): Promise<{ state: QrLoginState }> =>
      client.post(`/api/v1/qr-scans/${encodeURIComponent(secret)}/confirm`),
    refuseQrLogin: (secret: string): Promise<{ state: QrLoginState }> =>
      client.post(`/api/v1/qr-scans/${encodeURIComponent(secret)}/refuse`),

    createCapture: (): Promise<CaptureLink> => client.post('/api/v1/me/handwriting-captures'),
    waitCapture: (id: string, signal?: AbortSignal, hold = WAIT_HOLD): Promise<CaptureStatus> =>
      client.get(`/api/v1/me/handwriting-captures/${encodeURIComponent(id)}/wait?hold=${hold}`, { signal }),
    captureImageUrl: (id: string): string => `/api/v1/me/handwriting-captures/${encodeURIComponent(id)}/image`,
    openCapture: (token: string): Promise<CaptureInfo> =>
      client.get(`/api/v1/handwriting-captures/${encodeURIComponent(token)}`),
    /** Sends the drawing as the raw PNG body. */
    async submitCapture(token: string, png: Blob): Promise<CaptureStatus> {
      if (client.csrf === null) await client.session()
      let response: Response
      try {
        response = await fetch(`/api/v1/handwriting-captures/${encodeURIComponent(token)}`, {
          method: 'POST',
          headers: { Accept: 'application/json', 'Content-Type': 'image/png', [CSRF_HEADER]: client.csrf ?? '' },
          body: png,
          credentials: 'same-origin',
        })
      } catch (cause) {
        throw new ApiError(networkProblem(cause))
      }
      if (!response.ok) throw new ApiError(await parseProblem(response))
      return (await response.json()) as CaptureStatus
    },
  }
}

export const phone = phoneApi()

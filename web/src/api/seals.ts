// Seal endpoints (ES-12, ES-14): seal types, an enterprise's seals (create, upload, replace,
// enable / disable, grant / revoke, image) and the signed-in person's own seals.
import { api, type ApiClient } from './client'

export type SealState = 'active' | 'disabled' | 'void'
export type SealSource = 'generated' | 'uploaded' | 'captured'

/** A seal type the deployment offers (`GET /api/v1/seal-types`). */
export interface SealType {
  code: string
  name: string
  name_en: string
  shape: 'round' | 'square' | 'date'
}

/** A seal, enterprise or personal. */
export interface Seal {
  id: string
  enterprise_id: string | null
  kind: string
  name: string
  source: SealSource
  state: SealState
  void_reason: string | null
  width: number
  height: number
  certificate_serial: string | null
  image_version: string
  created_at: number
  updated_at: number
}

export interface SealGrant {
  id: string
  user_id: string
  name_masked: string | null
  phone_masked: string
  granted_at: number
  expires_at: number | null
  expired: boolean
}

/** An enterprise's seal as a member sees it; grants are listed for managers only. */
export interface EnterpriseSeal {
  seal: Seal
  usable: boolean
  grants: SealGrant[]
}

export interface Grantee {
  user_id: string
  name_masked: string | null
  phone_masked: string
  role: 'admin' | 'delegate' | 'member'
}

const enc = encodeURIComponent

export function sealsApi(client: ApiClient = api) {
  const base = (enterprise: string): string => `/api/v1/enterprises/${enc(enterprise)}/seals`
  const one = (enterprise: string, seal: string): string => `${base(enterprise)}/${enc(seal)}`
  const imageForm = (file: Blob, sealType?: string): FormData => {
    const form = new FormData()
    if (sealType) form.append('seal_type', sealType)
    form.append('image', file, 'seal.png')
    return form
  }
  return {
    types: (): Promise<SealType[]> => client.get('/api/v1/seal-types'),
    list: (enterprise: string): Promise<EnterpriseSeal[]> => client.get(base(enterprise)),
    create: (enterprise: string, sealType: string): Promise<EnterpriseSeal> =>
      client.post(base(enterprise), { seal_type: sealType }),
    upload: (enterprise: string, sealType: string, file: Blob): Promise<EnterpriseSeal> =>
      client.upload(`${base(enterprise)}/upload`, imageForm(file, sealType)),
    replaceImage: (enterprise: string, seal: string, file: Blob): Promise<EnterpriseSeal> =>
      client.request('PUT', `${one(enterprise, seal)}/image`, { form: imageForm(file) }),
    regenerate: (enterprise: string, seal: string): Promise<EnterpriseSeal> =>
      client.post(`${one(enterprise, seal)}/regenerate`),
    setEnabled: (enterprise: string, seal: string, enabled: boolean): Promise<EnterpriseSeal> =>
      client.post(`${one(enterprise, seal)}/${enabled ? 'enable' : 'disable'}`),
    grantees: (enterprise: string): Promise<Grantee[]> =>
      client.get(`/api/v1/enterprises/${enc(enterprise)}/seal-grantees`),
    grant: (enterprise: string, seal: string, userId: string, expiresAt: number | null): Promise<EnterpriseSeal> =>
      client.post(`${one(enterprise, seal)}/grants`, { user_id: userId, expires_at: expiresAt }),
    revoke: (enterprise: string, seal: string, userId: string): Promise<EnterpriseSeal> =>
      client.request('DELETE', `${one(enterprise, seal)}/grants/${enc(userId)}`),
    /** The image URL (members only); the version busts the cache when the image changes. */
    imageUrl: (enterprise: string, seal: Seal): string =>
      `${one(enterprise, seal.id)}/image.png?v=${enc(seal.image_version)}`,

    mine: (): Promise<Seal[]> => client.get('/api/v1/me/seals'),
    myImageUrl: (seal: Seal): string => `/api/v1/me/seals/${enc(seal.id)}/image.png?v=${enc(seal.image_version)}`,
  }
}

export const seals = sealsApi()

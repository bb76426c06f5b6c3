// The Signet key agent (`signet agent`) on the user's machine: detection and its JSON API.
// The agent answers only the platform's origin, on loopback; its errors are `{code, message}`.
import { ref } from 'vue'

export const AGENT_BASE = 'http://127.0.0.1:17780'
/** How long detection waits for `GET /v1/status`. */
export const AGENT_DETECT_TIMEOUT_MS = 1500

export interface AgentCertificate {
  key_id: string | null
  label: string
  /** DER, base64. */
  der: string
  subject: string
  issuer: string
  serial: string
  not_before: string
  not_after: string
}

export interface AgentToken {
  slot: number
  label: string
  serial: string
  model: string
  initialized: boolean
  user_pin_initialized: boolean
  user_pin_locked: boolean
  min_pin_length: number
  max_pin_length: number
  certificates: AgentCertificate[]
}

/** An error answered by the agent (or `agent.unreachable`). */
export class AgentError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'AgentError'
    this.code = code
  }
}

async function call<T>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
  const controller = new AbortController()
  const timer = timeoutMs ? setTimeout(() => controller.abort(), timeoutMs) : undefined
  let response: Response
  try {
    response = await fetch(AGENT_BASE + path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      mode: 'cors',
      credentials: 'omit',
    })
  } catch (cause) {
    throw new AgentError('agent.unreachable', cause instanceof Error ? cause.message : String(cause))
  } finally {
    if (timer) clearTimeout(timer)
  }
  const text = await response.text().catch(() => '')
  let parsed: unknown = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    parsed = null
  }
  if (!response.ok) {
    const p = (parsed ?? {}) as { code?: string; message?: string }
    throw new AgentError(p.code ?? `http.${response.status}`, p.message ?? response.statusText)
  }
  return parsed as T
}

const tok = (serial: string): string => `/v1/tokens/${encodeURIComponent(serial)}`

/** The agent's endpoints. */
export const agentApi = {
  status: (): Promise<{ agent: string; version: string }> => call('GET', '/v1/status', undefined, AGENT_DETECT_TIMEOUT_MS),
  tokens: async (): Promise<AgentToken[]> => (await call<{ tokens: AgentToken[] }>('GET', '/v1/tokens')).tokens,
  makeKey: (serial: string, pin: string, subject_dn: string, label: string): Promise<{ key_id: string; csr: string }> =>
    call('POST', `${tok(serial)}/keys`, { pin, algorithm: 'ecdsa-p256', subject_dn, label }),
  writeCertificate: (serial: string, pin: string, key_id: string, certificate: string, label: string): Promise<unknown> =>
    call('POST', `${tok(serial)}/certificates`, { pin, key_id, certificate, label }),
  deleteKey: (serial: string, pin: string, key_id: string): Promise<unknown> =>
    call('DELETE', `${tok(serial)}/keys/${encodeURIComponent(key_id)}`, { pin }),
  sign: (serial: string, pin: string, key_id: string, challenge: string): Promise<{ signature: string; certificate: string | null }> =>
    call('POST', `${tok(serial)}/sign`, { pin, key_id, challenge }),
  /** Unlock with the SO PIN the holder types (a token bought without the platform). */
  unlock: (serial: string, so_pin: string, new_pin: string): Promise<unknown> =>
    call('POST', `${tok(serial)}/unlock`, { so_pin, new_pin }),
  /** The agent keeps a secret and returns only its SHA-256: give it to the platform with the request for an unlock code. */
  unlockRedeemer: (serial: string): Promise<{ redeemer: string; expires_in: number }> => call('POST', `${tok(serial)}/unlock-redeemer`),
  /** The agent redeems the code at the platform itself, unlocks the token and replaces its SO PIN: no PIN comes back. */
  unlockWithCode: (serial: string, unlock_code: string, new_pin: string): Promise<{ ok: boolean; so_pin_rotated: boolean }> =>
    call('POST', `${tok(serial)}/unlock`, { unlock_code, new_pin }),
}

/** Detects the agent; `present` is null while checking. */
export function useKeyAgent() {
  const present = ref<boolean | null>(null)
  const tokens = ref<AgentToken[]>([])

  async function detect(): Promise<boolean> {
    present.value = null
    try {
      const status = await agentApi.status()
      present.value = status?.agent === 'signet-agent'
    } catch {
      present.value = false
    }
    return present.value
  }

  async function loadTokens(): Promise<AgentToken[]> {
    tokens.value = await agentApi.tokens()
    return tokens.value
  }

  return { present, tokens, detect, loadTokens, api: agentApi }
}

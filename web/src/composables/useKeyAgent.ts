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

/** `GET /v1/status`. */
export interface AgentStatus {
  agent: string
  version: string
  /** The version the platform offers (null until the agent asked it). */
  latest_version?: string | null
  update_available?: boolean
}

/** A blank token just initialised by the agent (`POST /v1/slots/{slot}/init`). */
export interface InitialisedToken {
  slot: number
  serial: string
  label: string
  model: string
  /** For the platform to keep sealed: sent on at once, never shown. */
  so_pin: string
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

/**
 * Asks whether the agent runs without leaving a trace in the browser's console when it does
 * not: a failed fetch() (or image, or WebSocket) is logged as a network error, while a frame
 * whose navigation fails is not. So a hidden frame loads the agent's `/v1/hello`, which posts
 * `{agent, version}` to this origin only; no message soon after the frame loads means no agent.
 * Only then is `/v1/status` fetched (its version check).
 */
export async function probeAgent(timeoutMs = AGENT_DETECT_TIMEOUT_MS): Promise<AgentStatus | null> {
  if (typeof document === 'undefined' || typeof window === 'undefined') return null
  const answered = await new Promise<boolean>((resolve) => {
    const frame = document.createElement('iframe')
    let settled = false
    const finish = (found: boolean): void => {
      if (settled) return
      settled = true
      window.removeEventListener('message', onMessage)
      clearTimeout(timer)
      frame.remove()
      resolve(found)
    }
    const onMessage = (event: MessageEvent): void => {
      const data = event.data as { agent?: unknown } | null
      if (event.origin === AGENT_BASE && event.source === frame.contentWindow && data?.agent === 'signet-agent') finish(true)
    }
    const timer = setTimeout(() => finish(false), timeoutMs)
    window.addEventListener('message', onMessage)
    // The agent's page posts while it loads; a browser error page never does.
    frame.addEventListener('load', () => setTimeout(() => finish(false), 250))
    frame.setAttribute('aria-hidden', 'true')
    frame.tabIndex = -1
    frame.style.cssText = 'position:absolute;width:0;height:0;border:0;visibility:hidden'
    frame.src = `${AGENT_BASE}/v1/hello`
    document.body.appendChild(frame)
  })
  if (!answered) return null
  try {
    return await agentApi.status()
  } catch {
    return null
  }
}

const tok = (serial: string): string => `/v1/tokens/${encodeURIComponent(serial)}`

/** The agent's endpoints. */
export const agentApi = {
  status: (): Promise<AgentStatus> => call('GET', '/v1/status', undefined, AGENT_DETECT_TIMEOUT_MS),
  /** Initialise a blank token (producer's station): the agent makes its SO PIN. */
  initToken: (slot: number, label: string, pin: string): Promise<InitialisedToken> =>
    call('POST', `/v1/slots/${slot}/init`, { label, pin }),
  makeKeyWith: (serial: string, pin: string, algorithm: string, subject_dn: string, label: string): Promise<{ key_id: string; csr: string }> =>
    call('POST', `${tok(serial)}/keys`, { pin, algorithm, subject_dn, label }),
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
  const status = ref<AgentStatus | null>(null)
  const tokens = ref<AgentToken[]>([])

  async function detect(): Promise<boolean> {
    present.value = null
    status.value = await probeAgent()
    present.value = status.value?.agent === 'signet-agent'
    return present.value
  }

  async function loadTokens(): Promise<AgentToken[]> {
    tokens.value = await agentApi.tokens()
    return tokens.value
  }

  return { present, status, tokens, detect, loadTokens, api: agentApi }
}

// A small typed fetch client for the Signet API.
//
// * `GET /api/v1/session` yields the CSRF token; every request other than GET/HEAD/OPTIONS
//   carries it in `X-CSRF-Token`.
// * Errors are RFC 9457 problem+json documents; they are thrown as `ApiError`.
import type { Problem, ProblemLocale, SessionInfo } from './types'

export const CSRF_HEADER = 'X-CSRF-Token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RequestOptions {
  /** A JSON body (sent with `Content-Type: application/json`). */
  json?: unknown
  /** A multipart body; the browser sets the boundary. */
  form?: FormData
  signal?: AbortSignal
}

/** An error answered by the server (or a network failure), carrying its problem document. */
export class ApiError extends Error {
  readonly problem: Problem

  constructor(problem: Problem) {
    super(problem.message.en ?? problem.title ?? problem.code)
    this.name = 'ApiError'
    this.problem = problem
  }

  get status(): number {
    return this.problem.status
  }

  get code(): string {
    return this.problem.code
  }

  get field(): string | null {
    return this.problem.field ?? null
  }

  get retryAfter(): number | null {
    return this.problem.retry_after ?? null
  }

  /** The message in `locale`, falling back to the other locale and then to the title. */
  localizedMessage(locale: string): string {
    return problemMessage(this.problem, locale)
  }
}

export function problemMessage(problem: Problem, locale: string): string {
  const own = problem.message?.[locale]
  if (own) return own
  const fallbackOrder: ProblemLocale[] = locale.startsWith('zh') ? ['zh-CN', 'en'] : ['en', 'zh-CN']
  for (const l of fallbackOrder) {
    const m = problem.message?.[l]
    if (m) return m
  }
  return problem.title || problem.code
}

function isProblemLike(value: unknown): value is Partial<Problem> {
  return typeof value === 'object' && value !== null && ('code' in value || 'title' in value)
}

/**
 * Turns an error response into a `Problem`. A body that is not problem+json (a proxy's HTML
 * page, an empty 502) still yields a problem with a readable message.
 */
export async function parseProblem(response: Response): Promise<Problem> {
  let body: unknown = null
  const text = await response.text().catch(() => '')
  if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      body = null
    }
  }
  const status = response.status
  if (isProblemLike(body)) {
    const message =
      typeof body.message === 'object' && body.message !== null
        ? (body.message as Problem['message'])
        : typeof body.message === 'string'
          ? { 'zh-CN': body.message, en: body.message }
          : {}
    return {
      type: body.type ?? 'about:blank',
      title: body.title ?? response.statusText ?? `HTTP ${status}`,
      status: typeof body.status === 'number' ? body.status : status,
      code: body.code ?? `http_${status}`,
      message,
      field: body.field ?? null,
      retry_after: body.retry_after ?? retryAfterHeader(response),
    }
  }
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${status}`,
    status,
    code: `http_${status}`,
    message: {
      'zh-CN': `服务暂时不可用，请稍后重试（HTTP ${status}）`,
      en: `The service is unavailable, please try again later (HTTP ${status})`,
    },
    field: null,
    retry_after: retryAfterHeader(response),
  }
}

function retryAfterHeader(response: Response): number | null {
  const value = response.headers.get('Retry-After')
  if (!value) return null
  const n = Number(value)
  return Number.isFinite(n) ? n : null
}

export function networkProblem(cause: unknown): Problem {
  const detail = cause instanceof Error ? cause.message : String(cause)
  return {
    type: 'about:blank',
    title: 'Network error',
    status: 0,
    code: 'network_error',
    message: {
      'zh-CN': '网络连接失败，请检查网络后重试',
      en: `Network error, please check your connection (${detail})`,
    },
    field: null,
    retry_after: null,
  }
}

export interface ApiClientOptions {
  /** Prefix for every path, default `''` (same origin). */
  baseUrl?: string
  fetch?: typeof fetch
}

export class ApiClient {
  private readonly baseUrl: string
  private readonly fetchImpl: typeof fetch
  private csrfToken: string | null = null
  private sessionPromise: Promise<SessionInfo> | null = null

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? ''
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  }

  get csrf(): string | null {
    return this.csrfToken
  }

  /**
   * Reads the session (and a fresh CSRF token). Call it on start and after login, logout and
   * registration, since the token changes with them.
   */
  async session(): Promise<SessionInfo> {
    const pending = this.sessionPromise
    if (pending) return pending
    const p = this.raw<SessionInfo>('GET', '/api/v1/session')
      .then((info) => {
        this.csrfToken = info.csrf_token
        return info
      })
      .finally(() => {
        this.sessionPromise = null
      })
    this.sessionPromise = p
    return p
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, options)
  }

  post<T>(path: string, json?: unknown): Promise<T> {
    return this.request<T>('POST', path, json === undefined ? {} : { json })
  }

  put<T>(path: string, json?: unknown): Promise<T> {
    return this.request<T>('PUT', path, json === undefined ? {} : { json })
  }

  upload<T>(path: string, form: FormData): Promise<T> {
    return this.request<T>('POST', path, { form })
  }

  /**
   * Sends a request. Unsafe methods get the CSRF header; if the server answers
   * `403 csrf_failed` (the session rotated underneath us), the token is read again and the
   * request retried once.
   */
  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    if (SAFE_METHODS.has(method)) {
      return this.raw<T>(method, path, options)
    }
    if (this.csrfToken === null) {
      await this.session()
    }
    try {
      return await this.raw<T>(method, path, options)
    } catch (err) {
      if (err instanceof ApiError && err.status === 403 && err.code === 'csrf_failed') {
        await this.session()
        return this.raw<T>(method, path, options)
      }
      throw err
    }
  }

  private async raw<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    let body: BodyInit | undefined
    if (options.form) {
      body = options.form
    } else if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(options.json)
    }
    if (!SAFE_METHODS.has(method) && this.csrfToken !== null) {
      headers[CSRF_HEADER] = this.csrfToken
    }
    let response: Response
    try {
      response = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        body,
        credentials: 'same-origin',
        signal: options.signal,
      })
    } catch (cause) {
      throw new ApiError(networkProblem(cause))
    }
    if (!response.ok) {
      throw new ApiError(await parseProblem(response))
    }
    if (response.status === 204 || method === 'HEAD') {
      return undefined as T
    }
    const text = await response.text()
    return (text ? JSON.parse(text) : undefined) as T
  }
}

/** The application's client (same origin). */
export const api = new ApiClient()

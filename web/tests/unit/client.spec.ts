import { describe, expect, it, vi } from 'vitest'
import { ApiClient, ApiError, CSRF_HEADER, parseProblem, problemMessage } from '@/api/client'
import type { Problem } from '@/api/types'

interface Call {
  url: string
  init: RequestInit
}

function json(status: number, body: unknown, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': contentType } })
}

const captchaWrong: Problem = {
  type: '/problems/captcha_wrong',
  title: 'The captcha is wrong',
  status: 400,
  code: 'captcha_wrong',
  message: { 'zh-CN': '图形验证码错误', en: 'The captcha is wrong' },
  field: 'captcha_answer',
  retry_after: null,
}

/** A fake server: GET /api/v1/session hands out tokens t1, t2, …; other routes use `handler`. */
function fakeServer(handler: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = []
  let tokens = 0
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const call = { url: String(input), init }
    calls.push(call)
    if (call.url.endsWith('/api/v1/session')) {
      tokens += 1
      return json(200, { csrf_token: `t${tokens}`, user: null, must_set_password: false })
    }
    return handler(call)
  })
  return { calls, fetch: fetchMock as unknown as typeof fetch }
}

function header(call: Call | undefined, name: string): string | undefined {
  const headers = (call?.init.headers ?? {}) as Record<string, string>
  return headers[name]
}

describe('ApiClient CSRF handling', () => {
  it('reads the session first and sends X-CSRF-Token on unsafe requests', async () => {
    const server = fakeServer(() => json(200, { captcha_id: 'c1', image: 'data:', expires_in: 300 }))
    const client = new ApiClient({ fetch: server.fetch })
    await client.post('/api/v1/captcha')
    expect(server.calls.map((c) => c.url)).toEqual(['/api/v1/session', '/api/v1/captcha'])
    expect(server.calls[1]?.init.method).toBe('POST')
    expect(header(server.calls[1], CSRF_HEADER)).toBe('t1')
  })

  it('does not send the token on GET', async () => {
    const server = fakeServer(() => json(200, { id: 'u1' }))
    const client = new ApiClient({ fetch: server.fetch })
    await client.session()
    await client.get('/api/v1/me')
    const me = server.calls.find((c) => c.url.endsWith('/api/v1/me'))
    expect(header(me, CSRF_HEADER)).toBeUndefined()
  })

  it('uses the new token after the session is read again (login, logout, register)', async () => {
    const server = fakeServer((call) => (call.url.endsWith('/logout') ? new Response(null, { status: 204 }) : json(200, {})))
    const client = new ApiClient({ fetch: server.fetch })
    await client.session()
    await client.post('/api/v1/login/password', { identifier: 'a' })
    await client.session()
    const result = await client.post('/api/v1/logout')
    expect(result).toBeUndefined()
    const posts = server.calls.filter((c) => c.init.method === 'POST')
    expect(posts.map((c) => header(c, CSRF_HEADER))).toEqual(['t1', 't2'])
  })

  it('sends JSON bodies with a content type, and multipart bodies without one', async () => {
    const server = fakeServer(() => json(200, {}))
    const client = new ApiClient({ fetch: server.fetch })
    await client.put('/api/v1/me/email', { email: 'a@b.cn' })
    const form = new FormData()
    form.append('avatar', new Blob(['x'], { type: 'image/png' }), 'a.png')
    await client.upload('/api/v1/me/avatar', form)
    const [, put, upload] = server.calls
    expect(header(put, 'Content-Type')).toBe('application/json')
    expect(put?.init.body).toBe('{"email":"a@b.cn"}')
    expect(header(upload, 'Content-Type')).toBeUndefined()
    expect(upload?.init.body).toBeInstanceOf(FormData)
    expect(header(upload, CSRF_HEADER)).toBe('t1')
  })

  it('retries once with a fresh token on 403 csrf_failed', async () => {
    let attempts = 0
    const server = fakeServer(() => {
      attempts += 1
      if (attempts === 1) {
        return json(403, { ...captchaWrong, status: 403, code: 'csrf_failed', field: null }, 'application/problem+json')
      }
      return json(200, { ok: true })
    })
    const client = new ApiClient({ fetch: server.fetch })
    await expect(client.post('/api/v1/register', {})).resolves.toEqual({ ok: true })
    const posts = server.calls.filter((c) => c.init.method === 'POST')
    expect(posts.map((c) => header(c, CSRF_HEADER))).toEqual(['t1', 't2'])
  })
})

describe('problem+json errors', () => {
  it('throws ApiError carrying code, field, retry_after and both messages', async () => {
    const server = fakeServer(() => json(400, captchaWrong, 'application/problem+json'))
    const client = new ApiClient({ fetch: server.fetch })
    const err = await client.post('/api/v1/login/password', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const apiErr = err as ApiError
    expect(apiErr.status).toBe(400)
    expect(apiErr.code).toBe('captcha_wrong')
    expect(apiErr.field).toBe('captcha_answer')
    expect(apiErr.retryAfter).toBeNull()
    expect(apiErr.localizedMessage('zh-CN')).toBe('图形验证码错误')
    expect(apiErr.localizedMessage('en')).toBe('The captcha is wrong')
  })

  it('keeps retry_after for lockouts', async () => {
    const locked = new Response(
      JSON.stringify({
        type: '/problems/account_locked',
        title: 'Locked',
        status: 423,
        code: 'account_locked',
        message: { 'zh-CN': '账号已锁定', en: 'Account locked' },
        field: null,
        retry_after: 900,
      }),
      { status: 423, headers: { 'Content-Type': 'application/problem+json' } },
    )
    const problem = await parseProblem(locked)
    expect(problem.code).toBe('account_locked')
    expect(problem.retry_after).toBe(900)
  })

  it('turns a non-JSON failure into a readable problem', async () => {
    const problem = await parseProblem(
      new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'Retry-After': '5' } }),
    )
    expect(problem.status).toBe(502)
    expect(problem.code).toBe('http_502')
    expect(problem.retry_after).toBe(5)
    expect(problemMessage(problem, 'zh-CN')).toContain('502')
    expect(problemMessage(problem, 'en')).toContain('502')
  })

  it('falls back to the other locale, then the title', () => {
    const onlyEn: Problem = { ...captchaWrong, message: { en: 'Only English' } }
    expect(problemMessage(onlyEn, 'zh-CN')).toBe('Only English')
    const none: Problem = { ...captchaWrong, message: {} }
    expect(problemMessage(none, 'en')).toBe('The captcha is wrong')
  })

  it('reports network failures as ApiError network_error', async () => {
    const client = new ApiClient({
      fetch: (() => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof fetch,
    })
    const err = await client.get('/api/v1/me').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).code).toBe('network_error')
    expect((err as ApiError).localizedMessage('zh-CN')).toBe('网络连接失败，请检查网络后重试')
  })
})

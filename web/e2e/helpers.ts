// Helpers for the e2e tests against `signet serve --sandbox`.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page, type Response } from '@playwright/test'
import { idCheckDigit } from '../src/utils/ids'

export const SCREENSHOT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'screenshots')

let shotCounter = 0

/** Saves a full-page screenshot as test-results/screenshots/NN-name.png. */
export async function shot(page: Page, name: string): Promise<void> {
  shotCounter += 1
  const file = path.join(SCREENSHOT_DIR, `${String(shotCounter).padStart(2, '0')}-${name}.png`)
  // Let toasts and transitions settle a little so the picture shows the state; scroll to the
  // top so the sticky header sits where it belongs in a full-page picture.
  await page.waitForTimeout(300)
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: file, fullPage: true })
}

export function uniquePhone(): string {
  return `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`
}

export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`
}

export interface InboxItem {
  id: string
  /** `bank` carries the sandbox bank's micro-deposit notices (to the account number). */
  channel: 'sms' | 'email' | 'captcha' | 'bank'
  to: string
  subject?: string | null
  body?: string | null
  code?: string | null
  created_at: string
}

/** Newest sandbox message for `to` (a phone, an email or a captcha id). */
export async function inboxCode(
  request: APIRequestContext,
  to: string,
  channel: InboxItem['channel'],
): Promise<string> {
  let found: string | undefined
  await expect
    .poll(
      async () => {
        const res = await request.get(`/dev/inbox?to=${encodeURIComponent(to)}`, {
          headers: { Accept: 'application/json' },
        })
        if (!res.ok()) return undefined
        const items = (await res.json()) as InboxItem[]
        found = items.find((i) => i.channel === channel && i.code)?.code ?? undefined
        return found
      },
      { message: `no ${channel} code in the sandbox inbox for ${to}`, timeout: 10_000 },
    )
    .toBeTruthy()
  return found as string
}

/** The response body for assertion messages (empty for 204 and for bodies already gone). */
export async function bodyText(response: Response): Promise<string> {
  return `${response.status()} ${await response.text().catch(() => '')}`
}

function isCaptchaResponse(r: Response): boolean {
  return r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/captcha'
}

/**
 * Runs `action` and returns the id of the captcha the page loads because of it
 * (watching the `POST /api/v1/captcha` response).
 */
export async function captchaAfter(page: Page, action: () => Promise<unknown>): Promise<string> {
  const response = page.waitForResponse(isCaptchaResponse)
  await action()
  const body = (await (await response).json()) as { captcha_id: string }
  expect(body.captcha_id).toBeTruthy()
  return body.captcha_id
}

/** Fills the captcha input `<prefix>-input` with the sandbox answer for `captchaId`. */
export async function solveCaptcha(page: Page, prefix: string, captchaId: string): Promise<void> {
  await expect(page.getByTestId(`${prefix}-image`)).toHaveAttribute('data-captcha-id', captchaId)
  const answer = await inboxCode(page.request, captchaId, 'captcha')
  await page.getByTestId(`${prefix}-input`).fill(answer)
}

/** Waits for the API answer to `method path` triggered by `action`. */
export async function apiAfter(
  page: Page,
  method: string,
  pathname: string,
  action: () => Promise<unknown>,
): Promise<Response> {
  const response = page.waitForResponse(
    (r) => r.request().method() === method && new URL(r.url()).pathname === pathname,
  )
  await action()
  return response
}

export interface ProblemBody {
  code: string
  status: number
  message: Record<string, string>
  field?: string | null
}

/** Asserts the response is a problem and that the page shows its zh-CN message. */
export async function expectProblemShown(page: Page, response: Response): Promise<ProblemBody> {
  expect(response.ok(), `${response.url()} should fail`).toBe(false)
  const contentType = response.headers()['content-type'] ?? ''
  expect(contentType, 'errors are problem+json').toContain('json')
  const problem = (await response.json()) as ProblemBody
  expect(problem.code).toBeTruthy()
  const message = problem.message['zh-CN']
  expect(message, 'problem has a zh-CN message').toBeTruthy()
  await expect(page.getByText(message as string).first()).toBeVisible()
  return problem
}

/** Reads the current CSRF token of the page's session (shares the page's cookies). */
export async function csrfToken(request: APIRequestContext): Promise<string> {
  const res = await request.get('/api/v1/session')
  expect(res.ok()).toBe(true)
  return ((await res.json()) as { csrf_token: string }).csrf_token
}

/** Moves the sandbox platform clock forward. Only CA staff may, so a request context of its own
 * signs in as the demo staff account for it. */
export async function advanceClock(seconds: number): Promise<void> {
  const staff = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL })
  try {
    await loginViaApi(staff, DEMO_STAFF.login, DEMO_STAFF.password)
    const token = await csrfToken(staff)
    const res = await staff.post('/dev/clock', {
      headers: { 'X-CSRF-Token': token },
      data: { advance_seconds: seconds },
    })
    expect(res.ok(), `POST /dev/clock → ${res.status()} ${await res.text()}`).toBe(true)
  } finally {
    await staff.dispose()
  }
}

export interface NewUser {
  phone: string
  loginName: string
  realName: string
  email: string
  password: string
}

export function newUser(): NewUser {
  const suffix = uniqueSuffix()
  return {
    phone: uniquePhone(),
    loginName: `u${suffix}`,
    realName: '张三',
    email: `u${suffix}@example.com`,
    password: `Signet#${suffix.slice(0, 4)}1`,
  }
}

/** Registers a user through the API alone (its own cookie jar), for tests that need one. */
export async function registerViaApi(request: APIRequestContext, user: NewUser): Promise<void> {
  const token = await csrfToken(request)
  const headers = { 'X-CSRF-Token': token }
  const captcha = (await (await request.post('/api/v1/captcha', { headers })).json()) as { captcha_id: string }
  const answer = await inboxCode(request, captcha.captcha_id, 'captcha')
  const sms = await request.post('/api/v1/sms-codes', {
    headers,
    data: { phone: user.phone, purpose: 'register', captcha_id: captcha.captcha_id, captcha_answer: answer },
  })
  expect(sms.ok(), await sms.text()).toBe(true)
  const code = await inboxCode(request, user.phone, 'sms')
  const verified = await request.post('/api/v1/register/phone', {
    headers,
    data: { phone: user.phone, sms_code: code, agree: true },
  })
  expect(verified.ok(), await verified.text()).toBe(true)
  const created = await request.post('/api/v1/register', {
    headers,
    data: { login_name: user.loginName, real_name: user.realName, email: user.email, password: user.password },
  })
  expect(created.status(), await created.text()).toBe(201)
}

/** SPEC ACC-6: no password field lets the browser store or fill the password. */
export async function expectPasswordsNotStored(page: Page): Promise<void> {
  const fields = page.locator('input[type="password"]')
  const count = await fields.count()
  expect(count, 'the page has password fields').toBeGreaterThan(0)
  for (let i = 0; i < count; i += 1) {
    expect(await fields.nth(i).getAttribute('autocomplete')).toMatch(/^(new-password|off)$/)
  }
}

/** Signs in by password through the API alone (captcha answer from the sandbox inbox). */
export async function loginViaApi(request: APIRequestContext, identifier: string, password: string): Promise<void> {
  const token = await csrfToken(request)
  const headers = { 'X-CSRF-Token': token }
  const captcha = (await (await request.post('/api/v1/captcha', { headers })).json()) as { captcha_id: string }
  const answer = await inboxCode(request, captcha.captcha_id, 'captcha')
  const res = await request.post('/api/v1/login/password', {
    headers,
    data: { identifier, password, captcha_id: captcha.captcha_id, captcha_answer: answer },
  })
  expect(res.ok(), `login ${identifier} → ${res.status()} ${await res.text()}`).toBe(true)
}

/** The demo CA staff account `signet init --demo` creates (reviewer, producer, channel admin). */
export const DEMO_STAFF = { login: 'staff', password: 'Staff@2026' }

/** A 1×1 PNG, a valid image for avatar and material uploads. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

/** Sends a JSON request with the session's CSRF token; returns the parsed body after checking the status. */
export async function apiJson<T>(
  request: APIRequestContext,
  method: 'POST' | 'PUT',
  url: string,
  data: unknown = {},
): Promise<T> {
  const headers = { 'X-CSRF-Token': await csrfToken(request) }
  const res = method === 'POST' ? await request.post(url, { headers, data }) : await request.put(url, { headers, data })
  expect(res.ok(), `${method} ${url} → ${res.status()} ${await res.text()}`).toBe(true)
  return (await res.json()) as T
}

/** A fresh captcha solved through the sandbox inbox, for API calls that spend one. */
export async function solvedCaptcha(request: APIRequestContext): Promise<{ captcha_id: string; captcha_answer: string }> {
  const { captcha_id } = await apiJson<{ captcha_id: string }>(request, 'POST', '/api/v1/captcha')
  return { captcha_id, captcha_answer: await inboxCode(request, captcha_id, 'captcha') }
}

/** A valid resident ID number (GB 11643 check character) no other test run has used. */
export function freshIdNumber(birth = '19900101'): string {
  const serial = String(Math.floor(Math.random() * 1000)).padStart(3, '0')
  const region = String(110100 + (Date.now() % 900)).padStart(6, '0')
  const first17 = `${region}${birth}${serial}`
  return `${first17}${idCheckDigit(first17)}`
}

/** Real-name authentication through the API as a user would pass it (consent to the current
 * texts, then the carrier three-factor check, which the sandbox answers at once). */
export async function realNameViaApi(request: APIRequestContext, name: string, idNumber = freshIdNumber()): Promise<void> {
  const headers = { 'X-CSRF-Token': await csrfToken(request) }
  const texts = (await (await request.get('/api/v1/contracts/consent-texts')).json()) as { document: string; version: string }[]
  const consent = await request.post('/api/v1/me/consents', {
    headers,
    data: { accepted: texts.map((t) => ({ document: t.document, version: t.version })) },
  })
  expect(consent.ok(), await consent.text()).toBe(true)
  const passed = await request.post('/api/v1/me/real-name', { headers, data: { name, id_number: idNumber, method: 'carrier3' } })
  expect(passed.ok(), await passed.text()).toBe(true)
  const state = (await (await request.get('/api/v1/me/real-name')).json()) as { person: unknown }
  expect(state.person, 'real-named after the carrier check').toBeTruthy()
}

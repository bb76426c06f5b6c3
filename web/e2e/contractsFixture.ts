// The e-contract specs' starting points, all through the real API: the demo enterprise of
// `signet init --demo` (administrator `ecadmin`), real-name authentication of a new person
// (consent, then carrier three-factor, which the sandbox passes for any valid mobile number), and a
// fresh enterprise certified through the desk (the order walked through its API; staff approves
// through the staff API) for a spec that needs an enterprise of its own.
import { expect, type APIRequestContext } from '@playwright/test'
import { creditCheckCharacter, idCheckDigit } from '../src/utils/ids'
import { advanceClock, apiJson, DEMO_STAFF, inboxCode, loginViaApi, PNG_1X1, solvedCaptcha } from './helpers'

/** The certified demo enterprise and its administrator (`signet init --demo`). */
export const DEMO_ENTERPRISE = {
  name: '豫云签演示科技有限公司',
  creditCode: '91350100M000100Y43',
  admin: { login: 'ecadmin', password: 'Demo@2026' },
}

const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('')

/** A random unified social credit code with its GB 32100 check character. */
export function creditCode(): string {
  const first17 = `91350100MA${digits(7)}`
  return `${first17}${creditCheckCharacter(first17)}`
}

/** A random resident ID number with its GB 11643 check digit. */
export function idNumber(birth = '19900101'): string {
  const first17 = `350102${birth}${digits(3)}`
  return `${first17}${idCheckDigit(first17)}`
}

/** The demo enterprise's id, read as its administrator (signs `request` in as `ecadmin`). */
export async function demoEnterpriseId(request: APIRequestContext): Promise<string> {
  await loginViaApi(request, DEMO_ENTERPRISE.admin.login, DEMO_ENTERPRISE.admin.password)
  const mine = (await (await request.get('/api/v1/me/enterprises')).json()) as { id: string; credit_code: string }[]
  const demo = mine.find((e) => e.credit_code === DEMO_ENTERPRISE.creditCode)
  if (!demo) throw new Error('the demo enterprise is missing: the e2e server runs on `signet init --demo` data')
  return demo.id
}

/** Real-name authentication of the signed-in person through the API (consent, carrier three-factor). */
export { realNameViaApi } from './helpers'

/** The certification order through the desk's API: licence, signed (with the legal rep's
 * authorisation code), legal rep and operator three-factor. */
export async function submitOrder(request: APIRequestContext, orderId: string, operatorPhone: string, repPhone: string): Promise<void> {
  const token = async () => ({ 'X-CSRF-Token': (await (await request.get('/api/v1/session')).json()).csrf_token as string })
  const detail = await (await request.get(`/api/v1/orders/${orderId}`)).json()
  const uploaded = await request.post(`/api/v1/orders/${orderId}/materials`, {
    headers: await token(),
    multipart: { kind: 'business_licence', file: { name: 'licence.png', mimeType: 'image/png', buffer: PNG_1X1 } },
  })
  expect(uploaded.status(), await uploaded.text()).toBe(201)
  const material = (await uploaded.json()) as { id: string }
  const form = { ...detail.form, materials: { business_licence: material.id } }
  await apiJson(request, 'PUT', `/api/v1/orders/${orderId}/form`, form)
  // Codes to one number are 60 s apart: the registration code went to the operator's phone.
  await advanceClock(61)
  await apiJson(request, 'POST', `/api/v1/orders/${orderId}/signing-code`, { legal_rep: false, ...(await solvedCaptcha(request)) })
  const smsCode = await inboxCode(request, operatorPhone, 'sms')
  await apiJson(request, 'POST', `/api/v1/orders/${orderId}/signing-code`, { legal_rep: true, ...(await solvedCaptcha(request)) })
  const repCode = await inboxCode(request, repPhone, 'sms')
  await apiJson(request, 'POST', `/api/v1/orders/${orderId}/submit`, { agree: true, sms_code: smsCode, legal_rep_code: repCode })
  for (const party of ['organisation', 'operator']) {
    await apiJson(request, 'POST', `/api/v1/orders/${orderId}/verifications`, { party, method: 'three_factor' })
  }
}

/** Certifies a new enterprise named `name` for the signed-in, real-named person whose account
 * phone is `phone`: the application, the desk order through its API, staff approval through the
 * staff API (on `staff`, signed in here as the demo CA staff). Returns the enterprise's id. */
export async function certifiedViaApi(
  request: APIRequestContext,
  staff: APIRequestContext,
  phone: string,
  name: string,
): Promise<string> {
  const repPhone = `137${digits(8).replace(/0000$/, '1234')}`
  const enterprise = await apiJson<{ id: string; order_id: string }>(request, 'POST', '/api/v1/enterprises', {
    name,
    credit_code: creditCode(),
    legal_rep_name: '王法人',
    legal_rep_id_number: idNumber('19700101'),
    legal_rep_phone: repPhone,
  })
  await submitOrder(request, enterprise.order_id, phone, repPhone)
  await loginViaApi(staff, DEMO_STAFF.login, DEMO_STAFF.password)
  await apiJson(staff, 'POST', `/api/v1/staff/orders/${enterprise.order_id}/approve`, {})
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/enterprises/${enterprise.id}`)).json()) as { state: string }).state, {
      timeout: 15_000,
    })
    .toBe('certified')
  return enterprise.id
}

/** The id of the demo enterprise's 劳动合同 business type. */
export async function labourTypeId(request: APIRequestContext, enterprise: string): Promise<string> {
  const types = (await (await request.get(`/api/v1/enterprises/${enterprise}/business-types`)).json()) as { id: string; code: string }[]
  const labour = types.find((t) => t.code === 'labour')
  if (!labour) throw new Error('the demo enterprise has no 劳动合同 business type')
  return labour.id
}

/** Launches a two-page labour contract (`pdf`) through the API: the person with `phone` (B) signs
 * first with a name seal, the enterprise (A) last with its company seal; returns the task's id. */
export async function launchPersonThenEnterprise(
  request: APIRequestContext,
  enterprise: string,
  title: string,
  phone: string,
  pdf: Buffer,
): Promise<string> {
  const launched = await apiJson<{ id: string }>(request, 'POST', `/api/v1/enterprises/${enterprise}/tasks`, {
    business_type_id: await labourTypeId(request, enterprise),
    title,
    order: 'serial',
    parties: [
      { role: 'B', kind: 'person', phone },
      { role: 'A', kind: 'enterprise', enterprise_id: enterprise },
    ],
    documents: [
      {
        name: '劳动合同',
        pdf: pdf.toString('base64'),
        spots: [
          { id: 'a1', role: 'A', kind: 'company', page: 2, x: 360, y: 560, w: 120, h: 120 },
          { id: 'b1', role: 'B', kind: 'name_seal', page: 2, x: 90, y: 580, w: 80, h: 80 },
        ],
      },
    ],
  })
  return launched.id
}

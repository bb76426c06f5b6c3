// USB keys produced and shipped from the browser (issue 13, APP-13): the producer's console
// drives two blank SoftHSM2 tokens on "the producer's machine" through the key agent — key made
// on the token, request signed there, certificate written back, SO PIN sealed by the platform —
// shows 已制作 1/2, then ships with a courier and tracking number; the applicant gets an SMS.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext } from '@playwright/test'
import { creditCheckCharacter, idCheckDigit } from '../src/utils/ids'
import { apiAfter, apiJson, bodyText, DEMO_STAFF, inboxCode, loginViaApi, newUser, PNG_1X1, registerViaApi, shot, solvedCaptcha, uniquePhone } from './helpers'
import { layoutProblems, settle } from './newuser'

const webDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const SIGNET_BIN = path.resolve(webDir, process.env.SIGNET_BIN ?? '../target/debug/signet')
const MODULE = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'].find((m) => existsSync(m))
const AGENT = 'http://127.0.0.1:17780'
const PIN = '246810'

const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('')
const creditCode = (): string => {
  const first17 = `91350100MA${digits(7)}`
  return `${first17}${creditCheckCharacter(first17)}`
}
const idNumber = (birth = '19900101'): string => {
  const first17 = `350102${birth}${digits(3)}`
  return `${first17}${idCheckDigit(first17)}`
}
const mobile = (): string => {
  const phone = uniquePhone()
  return phone.endsWith('0000') ? mobile() : phone
}

let hsmDir = ''
let agent: ChildProcess | null = null

interface Detail {
  state: string
  verification_needed: { party: string; methods: string[] }[]
  verifications: { party: string; method: string; state: string }[]
}

/** A ggzy-org-ukey order (exactly two USB keys) signed, checked, approved and paid. */
async function twoKeysAwaitingProduction(request: APIRequestContext, staff: APIRequestContext): Promise<{ id: string; number: string; phone: string }> {
  const catalog = (await (await request.get('/api/v1/catalog')).json()) as { products: { id: string; code: string }[] }[]
  const product = catalog.flatMap((p) => p.products).find((p) => p.code === 'ggzy-org-ukey') as { id: string }
  const order = await apiJson<{ id: string; number: string }>(request, 'POST', '/api/v1/orders', { product_id: product.id })
  const csrf = (await (await request.get('/api/v1/session')).json()) as { csrf_token: string }
  const uploaded = await request.post(`/api/v1/orders/${order.id}/materials`, {
    headers: { 'X-CSRF-Token': csrf.csrf_token },
    multipart: { kind: 'business_licence', file: { name: 'licence.png', mimeType: 'image/png', buffer: PNG_1X1 } },
  })
  expect(uploaded.status(), await uploaded.text()).toBe(201)
  // 001 requires the authorisation letter when the operator is not the legal representative.
  const letter = await request.post(`/api/v1/orders/${order.id}/materials`, {
    headers: { 'X-CSRF-Token': csrf.csrf_token },
    multipart: { kind: 'authorisation_letter', file: { name: 'letter.png', mimeType: 'image/png', buffer: PNG_1X1 } },
  })
  expect(letter.status(), await letter.text()).toBe(201)
  const phone = mobile()
  await apiJson(request, 'PUT', `/api/v1/orders/${order.id}/form`, {
    term_years: 1,
    quantity: 2,
    organisation: {
      name: `福州制证测试有限公司${digits(4)}`,
      id_number: creditCode(),
      legal_rep_name: '王法人',
      legal_rep_id_number: idNumber('19700101'),
      legal_rep_phone: mobile(),
    },
    person: { name: '李经办', id_number: idNumber(), phone, email: 'station@example.com' },
    shipping: { name: '李经办', phone, address: '福州市鼓楼区软件大道 1 号' },
    authorisation_grantee: '李经办',
    materials: {
      business_licence: ((await uploaded.json()) as { id: string }).id,
      authorisation_letter: ((await letter.json()) as { id: string }).id,
    },
  })
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/signing-code`, await solvedCaptcha(request))
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/submit`, { agree: true, sms_code: await inboxCode(request, phone, 'sms') })
  for (let round = 0; round < 8; round += 1) {
    const d = (await (await request.get(`/api/v1/orders/${order.id}`)).json()) as Detail
    if (d.state === 'awaiting_production') return { ...order, phone }
    if (d.state === 'verifying') {
      const passed = new Set(d.verifications.filter((v) => v.state === 'passed').map((v) => v.party))
      const need = d.verification_needed.find((r) => !passed.has(r.party))
      if (need?.methods.includes('three_factor')) {
        await apiJson(request, 'POST', `/api/v1/orders/${order.id}/verifications`, { party: need.party, method: 'three_factor' })
      } else {
        const account = `6222${digits(14)}`
        const started = await apiJson<{ verification: { id: string } }>(request, 'POST', `/api/v1/orders/${order.id}/verifications`, {
          party: need?.party,
          method: 'micro_deposit',
          bank: '中国工商银行',
          account,
        })
        const fen = Number(await inboxCode(request, account, 'bank'))
        const amount = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
        await apiJson(request, 'POST', `/api/v1/orders/${order.id}/verifications/${started.verification.id}/deposit`, { amount })
      }
    } else if (d.state === 'awaiting_review') {
      await apiJson(staff, 'POST', `/api/v1/staff/orders/${order.id}/approve`)
    } else if (d.state === 'awaiting_payment') {
      const payment = await apiJson<{ id: string }>(request, 'POST', `/api/v1/orders/${order.id}/payments`, { channel: 'wechat' })
      await apiJson(request, 'POST', `/dev/payments/${payment.id}`, { result: 'paid' })
    } else {
      throw new Error(`order ${order.id} stuck in ${d.state}`)
    }
  }
  throw new Error(`order ${order.id} did not reach awaiting_production`)
}

interface AgentTokens {
  tokens: { label: string; serial: string; initialized: boolean; certificates: { subject: string }[] }[]
}

async function agentTokens(origin: string): Promise<AgentTokens['tokens']> {
  return ((await (await fetch(`${AGENT}/v1/tokens`, { headers: { Origin: origin } })).json()) as AgentTokens).tokens
}

test.describe.serial('USB keys produced in the browser (SoftHSM2 + key agent)', () => {
  test.beforeAll(async () => {
    if (!MODULE) {
      const message = '[e2e] SoftHSM2 (libsofthsm2.so) is not installed: the browser production test is SKIPPED'
      console.warn(`\n${'!'.repeat(message.length)}\n${message}\n${'!'.repeat(message.length)}\n`)
      if (process.env.CI === 'true') throw new Error(message)
      return
    }
    hsmDir = mkdtempSync(path.join(tmpdir(), 'signet-e2e-station-'))
    mkdirSync(path.join(hsmDir, 'tokens'))
    writeFileSync(
      path.join(hsmDir, 'softhsm2.conf'),
      `directories.tokendir = ${path.join(hsmDir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    )
    const origin = test.info().project.use.baseURL as string
    agent = spawn(SIGNET_BIN, ['agent', '--listen', '127.0.0.1:17780', '--origin', origin, '--module', MODULE], {
      env: { ...process.env, SOFTHSM2_CONF: path.join(hsmDir, 'softhsm2.conf') },
      cwd: hsmDir,
      stdio: 'inherit',
    })
    await expect
      .poll(async () => {
        try {
          return (await fetch(`${AGENT}/v1/status`, { headers: { Origin: origin } })).ok
        } catch {
          return false
        }
      }, { message: 'signet agent did not start', timeout: 20_000 })
      .toBe(true)
  })

  test.afterAll(() => {
    if (agent && agent.pid) agent.kill('SIGTERM')
    agent = null
  })

  test('the producer makes two keys in the browser, sees 1/2, and ships them', async ({ page, browser }) => {
    test.skip(!MODULE, 'SoftHSM2 is not installed')
    test.setTimeout(300_000)
    const origin = test.info().project.use.baseURL as string
    const applicant = await browser.newContext({ baseURL: origin })
    await registerViaApi(applicant.request, newUser())
    await loginViaApi(page.request, DEMO_STAFF.login, DEMO_STAFF.password)
    const order = await twoKeysAwaitingProduction(applicant.request, page.request)

    const errors: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    await page.goto(`/staff/orders/${order.id}`)
    const station = page.getByTestId('station')
    await expect(station).toBeVisible()
    await expect(page.getByTestId('staff-production-progress')).toContainText('已制作 0/2')
    await expect(page.getByTestId('station-produce')).toBeVisible()
    await shot(page, 'station-ready')
    // The producer's console fits a 390 px phone too (issue 13).
    const narrow: string[] = []
    const desktop = page.viewportSize() ?? { width: 1366, height: 900 }
    const onPhone = async (name: string): Promise<void> => {
      await page.setViewportSize({ width: 390, height: 844 })
      await settle(page)
      await shot(page, `phone-${name}`)
      narrow.push(...(await layoutProblems(page)).map((p) => `${name}: ${p}`))
      await page.setViewportSize(desktop)
    }
    await onPhone('station-ready')

    for (const n of [1, 2]) {
      // The blank slot is chosen by itself; the producer types the holder's first PIN.
      await expect(page.getByTestId('station-token')).toContainText('空白 Key')
      await page.getByTestId('station-pin').fill(PIN)
      const produced = await apiAfter(page, 'POST', `/api/v1/staff/orders/${order.id}/production`, () =>
        page.getByTestId('station-produce').click(),
      )
      expect(produced.ok(), await bodyText(produced)).toBe(true)
      if (n === 1) {
        await expect(page.getByTestId('staff-production-progress')).toContainText('已制作 1/2')
        await expect(page.getByTestId('station-steps')).toBeVisible()
        await shot(page, 'station-one-of-two')
      }
    }
    // Both tokens hold their certificate, made on the token for the verified subject.
    await expect.poll(async () => (await agentTokens(origin)).filter((t) => t.certificates.length === 1).length).toBe(2)
    for (const token of (await agentTokens(origin)).filter((t) => t.initialized)) {
      expect(token.label).toBe(`Signet ${order.number}`.slice(0, 32))
      expect(token.certificates[0]?.subject).toContain('福州制证测试有限公司')
    }

    // Shipping: courier and tracking number; the applicant gets an SMS.
    await expect(page.getByTestId('staff-ship-form')).toBeVisible()
    await page.getByTestId('staff-ship-courier').fill('顺丰速运')
    const tracking = `SF${digits(10)}`
    await page.getByTestId('staff-ship-tracking').fill(tracking)
    await shot(page, 'station-ship')
    await onPhone('station-ship')
    expect(narrow, narrow.join('\n')).toEqual([])
    const shipped = await apiAfter(page, 'POST', `/api/v1/staff/orders/${order.id}/ship`, () => page.getByTestId('staff-ship-submit').click())
    expect(shipped.ok(), await bodyText(shipped)).toBe(true)
    await expect(page.getByTestId('staff-ship-form')).toHaveCount(0)
    await expect
      .poll(async () => {
        const items = (await (await page.request.get(`/dev/inbox?to=${order.phone}`, { headers: { Accept: 'application/json' } })).json()) as { body?: string }[]
        return items.some((i) => i.body?.includes(tracking))
      })
      .toBe(true)
    await shot(page, 'station-shipped')
    expect(errors, errors.join('\n')).toEqual([])
    await applicant.close()
  })
})

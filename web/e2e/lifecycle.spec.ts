// Certificate lifecycle on a USB key: a ukey-org certificate produced onto a SoftHSM2
// token, renewed in the browser through the key agent (`signet agent`), then bound to the
// account and used for certificate login.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext } from '@playwright/test'
import { creditCheckCharacter, idCheckDigit } from '../src/utils/ids'
import { parseSerial } from '../src/utils/lifecycle'
import { advanceClock, apiAfter, apiJson, bodyText, DEMO_STAFF, inboxCode, loginViaApi, newUser, PNG_1X1, registerViaApi, shot, solvedCaptcha, uniquePhone } from './helpers'

const webDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const SIGNET_BIN = path.resolve(webDir, process.env.SIGNET_BIN ?? '../target/debug/signet')
const MODULE = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'].find((m) => existsSync(m))
const PIN = '123456'
const AGENT = 'http://127.0.0.1:17780'
/** 341 days: the one-year certificate enters its 30-day renewal window. */
const INTO_RENEWAL_WINDOW = 29_462_400

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

interface Detail {
  id: string
  number: string
  state: string
  form: Record<string, unknown> & { person?: { phone?: string } }
  verification_needed: { party: string; methods: string[] }[]
  verifications: { party: string; method: string; state: string }[]
}

let hsmDir = ''
let agent: ChildProcess | null = null
const user = newUser()
let order: { id: string; number: string } = { id: '', number: '' }
let tokenLabel = ''

function hsmEnv(): NodeJS.ProcessEnv {
  return { ...process.env, SOFTHSM2_CONF: path.join(hsmDir, 'softhsm2.conf') }
}

function signet(args: string[]): string {
  return execFileSync(SIGNET_BIN, args, { env: hsmEnv(), cwd: hsmDir, encoding: 'utf8', timeout: 60_000 })
}

async function uploadLicence(request: APIRequestContext, orderId: string): Promise<string> {
  const csrf = (await (await request.get('/api/v1/session')).json()) as { csrf_token: string }
  const uploaded = await request.post(`/api/v1/orders/${orderId}/materials`, {
    headers: { 'X-CSRF-Token': csrf.csrf_token },
    multipart: { kind: 'business_licence', file: { name: 'licence.png', mimeType: 'image/png', buffer: PNG_1X1 } },
  })
  expect(uploaded.status(), await uploaded.text()).toBe(201)
  return ((await uploaded.json()) as { id: string }).id
}

/** Signs, passes the identity checks (three-factor, micro-deposit where it is the only way), pays and gets the staff approval. */
async function driveToProduction(request: APIRequestContext, staff: APIRequestContext, id: string, signer: string, until: string[]): Promise<void> {
  await apiJson(request, 'POST', `/api/v1/orders/${id}/signing-code`, await solvedCaptcha(request))
  await apiJson(request, 'POST', `/api/v1/orders/${id}/submit`, { agree: true, sms_code: await inboxCode(request, signer, 'sms') })
  const seen: string[] = []
  for (let round = 0; round < 8; round += 1) {
    const d = (await (await request.get(`/api/v1/orders/${id}`)).json()) as Detail
    seen.push(`${d.state} ${JSON.stringify(d.verifications.map((v) => [v.party, v.method, v.state]))}`)
    if (until.includes(d.state)) return
    if (d.state === 'verifying') {
      const passed = new Set(d.verifications.filter((v) => v.state === 'passed').map((v) => v.party))
      const need = d.verification_needed.find((r) => !passed.has(r.party))
      expect(need, `checks needed for ${id}`).toBeTruthy()
      if (need?.methods.includes('three_factor')) {
        await apiJson(request, 'POST', `/api/v1/orders/${id}/verifications`, { party: need.party, method: 'three_factor' })
      } else {
        const account = `6222${digits(14)}`
        const started = await apiJson<{ verification: { id: string } }>(request, 'POST', `/api/v1/orders/${id}/verifications`, {
          party: need?.party,
          method: 'micro_deposit',
          bank: '中国工商银行',
          account,
        })
        const fen = Number(await inboxCode(request, account, 'bank'))
        const amount = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
        await apiJson(request, 'POST', `/api/v1/orders/${id}/verifications/${started.verification.id}/deposit`, { amount })
      }
    } else if (d.state === 'awaiting_review') {
      await apiJson(staff, 'POST', `/api/v1/staff/orders/${id}/approve`)
    } else if (d.state === 'awaiting_payment') {
      const payment = await apiJson<{ id: string }>(request, 'POST', `/api/v1/orders/${id}/payments`, { channel: 'wechat' })
      await apiJson(request, 'POST', `/dev/payments/${payment.id}`, { result: 'paid' })
    } else {
      throw new Error(`order ${id} stuck in ${d.state}`)
    }
  }
  throw new Error(`order ${id} did not reach ${until.join('/')}: ${seen.join(' → ')}`)
}

async function waitForAgent(): Promise<void> {
  await expect
    .poll(async () => {
      try {
        return (await fetch(`${AGENT}/v1/status`, { headers: { Origin: test.info().project.use.baseURL as string } })).ok
      } catch {
        return false
      }
    }, { message: 'signet agent did not start', timeout: 20_000 })
    .toBe(true)
}

test.describe.serial('certificate lifecycle on a USB key (SoftHSM2 + key agent)', () => {
  test.beforeAll(() => {
    if (!MODULE) {
      const message = '[e2e] SoftHSM2 (libsofthsm2.so) is not installed: the USB-key lifecycle tests are SKIPPED'
      console.warn(`\n${'!'.repeat(message.length)}\n${message}\n${'!'.repeat(message.length)}\n`)
      if (process.env.CI === 'true') throw new Error(message)
    }
    hsmDir = mkdtempSync(path.join(tmpdir(), 'signet-e2e-hsm-'))
    mkdirSync(path.join(hsmDir, 'tokens'))
    writeFileSync(
      path.join(hsmDir, 'softhsm2.conf'),
      `directories.tokendir = ${path.join(hsmDir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    )
  })

  test.afterAll(() => {
    if (agent && agent.pid) agent.kill('SIGTERM')
    agent = null
  })

  test('without the key agent the certificate login tab says how to get it', async ({ page }) => {
    await page.goto('/login?tab=certificate')
    await expect(page.getByTestId('agent-missing')).toContainText('未检测到 Signet 证书助手')
    await shot(page, 'lifecycle-login-no-agent')
  })

  test('a USB-key certificate is renewed in the browser through the key agent', async ({ page, browser }) => {
    test.skip(!MODULE, 'SoftHSM2 is not installed')
    test.setTimeout(300_000)
    const request = page.request
    await registerViaApi(request, user)
    const staffContext = await browser.newContext({ baseURL: test.info().project.use.baseURL })
    await loginViaApi(staffContext.request, DEMO_STAFF.login, DEMO_STAFF.password)

    // A ukey-org order up to production, through the API.
    const catalog = (await (await request.get('/api/v1/catalog')).json()) as { products: { id: string; code: string }[] }[]
    const product = catalog.flatMap((p) => p.products).find((p) => p.code === 'ukey-org') as { id: string }
    order = await apiJson<{ id: string; number: string }>(request, 'POST', '/api/v1/orders', { product_id: product.id })
    const operatorPhone = mobile()
    await apiJson(request, 'PUT', `/api/v1/orders/${order.id}/form`, {
      term_years: 1,
      quantity: 1,
      organisation: {
        name: `厦门更新测试有限公司${digits(4)}`,
        id_number: creditCode(),
        legal_rep_name: '王法人',
        legal_rep_id_number: idNumber('19700101'),
        legal_rep_phone: mobile(),
      },
      person: { name: '李经办', id_number: idNumber(), phone: operatorPhone, email: 'renew@example.com' },
      shipping: { name: '李经办', phone: operatorPhone, address: '福州市鼓楼区软件大道 1 号' },
      materials: { business_licence: await uploadLicence(request, order.id) },
    })
    await driveToProduction(request, staffContext.request, order.id, operatorPhone, ['awaiting_production'])

    // The production station writes the certificate onto a blank SoftHSM2 token.
    const blank = /slot (\d+)\s+label=\s+serial=\s/.exec(signet(['token', 'list', '--module', MODULE as string]))
    expect(blank, 'a blank SoftHSM2 slot').toBeTruthy()
    tokenLabel = `e2e${digits(4)}`
    const dataDir = process.env.SIGNET_E2E_DATA as string
    signet(['--data', dataDir, 'token', 'produce', '--module', MODULE as string, '--order', order.id, '--token', tokenLabel, '--init-slot', (blank as RegExpExecArray)[1] as string, '--pin', PIN])
    // The producer ships the key from the staff console: the tracking number completes the order.
    const staffPage = await staffContext.newPage()
    await staffPage.goto(`/staff/orders/${order.id}`)
    await expect(staffPage.getByTestId('staff-ship-form')).toBeVisible()
    await staffPage.getByTestId('staff-ship-courier').fill('顺丰速运')
    await staffPage.getByTestId('staff-ship-tracking').fill(`SF${digits(10)}`)
    await shot(staffPage, 'lifecycle-staff-ship')
    const shipped = await apiAfter(staffPage, 'POST', `/api/v1/staff/orders/${order.id}/ship`, () =>
      staffPage.getByTestId('staff-ship-submit').click(),
    )
    expect(shipped.ok(), await bodyText(shipped)).toBe(true)
    await expect(staffPage.getByTestId('staff-ship-form')).toHaveCount(0)
    await shot(staffPage, 'lifecycle-staff-shipped')
    await staffPage.close()

    agent = spawn(SIGNET_BIN, ['agent', '--listen', '127.0.0.1:17780', '--origin', test.info().project.use.baseURL as string, '--module', MODULE as string], {
      env: hsmEnv(),
      cwd: hsmDir,
      stdio: 'inherit',
    })
    await waitForAgent()

    // Eleven months later: sessions have expired, the certificate is in its renewal window.
    await advanceClock(INTO_RENEWAL_WINDOW)
    await loginViaApi(request, user.loginName, user.password)
    await loginViaApi(staffContext.request, DEMO_STAFF.login, DEMO_STAFF.password)

    await page.goto('/certificates')
    await page.getByTestId('nav-certificates').click()
    const table = page.getByTestId('certificates-table')
    await expect(table.locator('.el-table__row')).toHaveCount(1)
    await page.getByRole('tab', { name: '一个月内到期' }).click()
    await expect(table.locator('.el-table__row')).toHaveCount(1)
    const held = ((await (await request.get('/api/v1/certificates?expiring=true')).json()) as { serial: string; renewable: boolean }[])[0] as { serial: string }
    await expect(page.getByTestId(`cert-status-${held.serial}`)).toHaveText('有效')
    await expect(page.getByTestId(`cert-renew-${held.serial}`)).toBeEnabled()
    await shot(page, 'lifecycle-certificates-expiring')

    // 更新 opens a renewal order whose form arrives prefilled; the licence is uploaded again.
    // 更新 first says what will happen, then opens the order.
    await page.getByTestId(`cert-renew-${held.serial}`).click()
    await expect(page.locator('.el-message-box')).toContainText('办理更新')
    const opened = await apiAfter(page, 'POST', `/api/v1/certificates/${held.serial}/orders`, () =>
      page.locator('.el-message-box').getByRole('button', { name: '确认办理' }).click(),
    )
    expect(opened.status(), await bodyText(opened)).toBe(201)
    await expect(page).toHaveURL(/\/orders\/[^/]+$/)
    const renewal = (await opened.json()) as Detail
    await expect(page.getByTestId('wizard')).toBeVisible()
    await shot(page, 'lifecycle-renewal-wizard')
    const form = { ...renewal.form, materials: { business_licence: await uploadLicence(request, renewal.id) } }
    await apiJson(request, 'PUT', `/api/v1/orders/${renewal.id}/form`, form)
    await driveToProduction(request, staffContext.request, renewal.id, renewal.form.person?.phone as string, ['awaiting_update', 'awaiting_recovery'])
    await staffContext.close()

    // 写入 USB Key: new key and request on the token, issue, write, remove the old key.
    await page.reload()
    await expect(page.getByTestId('order-state')).toHaveAttribute('data-state', /awaiting_(update|recovery)/)
    await expect(page.getByTestId('key-update-panel')).toBeVisible()
    await page.getByTestId('key-update-pin').fill(PIN)
    await shot(page, 'lifecycle-key-update')
    const updated = await apiAfter(page, 'POST', `/api/v1/orders/${renewal.id}/key-update`, () => page.getByTestId('key-update-start').click())
    expect(updated.ok(), await bodyText(updated)).toBe(true)
    await expect(page.getByTestId('order-state')).toHaveAttribute('data-state', 'completed', { timeout: 20_000 })
    await shot(page, 'lifecycle-key-update-done')

    // The token now holds only the new certificate; 我的证书 lists it.
    const tokens = (await (await fetch(`${AGENT}/v1/tokens`, { headers: { Origin: test.info().project.use.baseURL as string } })).json()) as {
      tokens: { label: string; certificates: { serial: string }[] }[]
    }
    const ours = tokens.tokens.find((t) => t.label === tokenLabel)
    expect(ours?.certificates.length).toBe(1)
    const newSerial = ours?.certificates[0]?.serial as string
    const list = (await (await request.get('/api/v1/certificates')).json()) as { serial: string; status: string }[]
    const renewed = list.find((c) => c.serial === parseSerial(newSerial))
    expect(renewed, `the renewed certificate ${newSerial} in ${JSON.stringify(list)}`).toBeTruthy()
    await page.goto('/certificates')
    await expect(page.getByTestId(`cert-status-${renewed?.serial}`)).toHaveText('有效')
    await shot(page, 'lifecycle-certificates-renewed')
  })

  test('the token certificate is bound and then used to sign in', async ({ page }) => {
    test.skip(!MODULE, 'SoftHSM2 is not installed')
    await loginViaApi(page.request, user.loginName, user.password)
    await page.goto('/account')
    await page.getByTestId('cert-bind-open').click()
    await expect(page.getByTestId('cert-bind-certificate')).toBeVisible()
    await page.getByTestId('cert-bind-pin').fill(PIN)
    const bound = await apiAfter(page, 'POST', '/api/v1/me/certificates', () => page.getByTestId('cert-bind-submit').click())
    expect(bound.ok(), await bodyText(bound)).toBe(true)
    await expect(page.getByTestId('cert-bindings').locator('[data-testid^="cert-binding-"]')).toHaveCount(1)
    await shot(page, 'lifecycle-bound')

    await page.getByTestId('logout-button').click()
    await expect(page).toHaveURL(/\/login/)
    await page.getByTestId('login-tab-certificate').click()
    await expect(page.getByTestId('cert-login-certificate')).toBeVisible()
    await page.getByTestId('cert-login-pin').fill(PIN)
    await shot(page, 'lifecycle-certificate-login')
    const signedIn = await apiAfter(page, 'POST', '/api/v1/login/certificate', () => page.getByTestId('cert-login-submit').click())
    expect(signedIn.ok(), await bodyText(signedIn)).toBe(true)
    await expect(page).toHaveURL(/\/account/)
    await expect(page.getByTestId('nav-account')).toContainText(user.loginName)
    await shot(page, 'lifecycle-certificate-signed-in')
  })

  test('an SMS-authorised unlock code is shown for the USB key, then the certificate is revoked', async ({ page }) => {
    test.skip(!MODULE, 'SoftHSM2 is not installed')
    await loginViaApi(page.request, user.loginName, user.password)
    await page.goto('/certificates')
    // Newest first: the last active one is the certificate the renewal replaced.
    const active = ((await (await page.request.get('/api/v1/certificates')).json()) as { serial: string; status: string }[])
      .filter((c) => c.status === 'active')
      .pop() as { serial: string }
    expect(active, 'an active certificate').toBeTruthy()

    // 解锁: the agent makes a redeemer → SMS code → a one-time unlock code bound to it → the
    // agent redeems the code itself, sets the new PIN and replaces the SO PIN. No PIN reaches
    // the page: the platform is asked for a code with a redeemer only, and the page never
    // calls the redemption route.
    const platformCalls: string[] = []
    page.on('request', (r) => platformCalls.push(`${r.method()} ${new URL(r.url()).pathname}`))
    await page.getByTestId(`cert-unlock-${active.serial}`).click()
    const sent = await apiAfter(page, 'POST', `/api/v1/certificates/${active.serial}/unlock-code`, () =>
      page.getByTestId('unlock-sms-send-button').click(),
    )
    expect(sent.ok(), await bodyText(sent)).toBe(true)
    await page.getByTestId('unlock-sms-code-input').fill(await inboxCode(page.request, user.phone, 'sms'))
    const authorised = await apiAfter(page, 'POST', `/api/v1/certificates/${active.serial}/unlock-authorisation`, () =>
      page.getByTestId('unlock-authorise').click(),
    )
    expect(authorised.ok(), await bodyText(authorised)).toBe(true)
    expect((authorised.request().postDataJSON() as { redeemer: string }).redeemer).toMatch(/^[0-9a-f]{64}$/)
    await expect(page.getByTestId('unlock-code')).not.toBeEmpty()
    await page.getByTestId('unlock-new-pin').fill('654321')
    await page.getByTestId('unlock-confirm-pin').fill('654321')
    await shot(page, 'lifecycle-unlock')
    await page.getByTestId('unlock-with-agent').click()
    await expect(page.getByText('USB Key 已解锁，请使用新 PIN 码')).toBeVisible()
    await expect(page.getByTestId('unlock-dialog')).toBeHidden()
    expect(platformCalls.filter((c) => c.includes('/token-unlock/')), 'the page never redeems').toEqual([])
    // The token takes the new PIN.
    expect(signet(['token', 'change-pin', '--module', MODULE as string, '--token', tokenLabel, '--pin', '654321', '--new-pin', PIN])).toContain('changed')

    // 注销: reason and SMS code; the status turns 已注销.
    await page.getByTestId(`cert-revoke-${active.serial}`).click()
    await page.getByTestId('revoke-reason').click()
    await page.getByRole('option', { name: '证书已被替换' }).click()
    const revokeSent = await apiAfter(page, 'POST', `/api/v1/certificates/${active.serial}/revocation-code`, () =>
      page.getByTestId('revoke-sms-send-button').click(),
    )
    expect(revokeSent.ok(), await bodyText(revokeSent)).toBe(true)
    await page.getByTestId('revoke-sms-code-input').fill(await inboxCode(page.request, user.phone, 'sms'))
    await shot(page, 'lifecycle-revoke')
    const revoked = await apiAfter(page, 'POST', `/api/v1/certificates/${active.serial}/revoke`, () => page.getByTestId('revoke-confirm').click())
    expect(revoked.ok(), await bodyText(revoked)).toBe(true)
    await expect(page.getByTestId(`cert-status-${active.serial}`)).toHaveText('已注销')
    await shot(page, 'lifecycle-revoked')
  })
})

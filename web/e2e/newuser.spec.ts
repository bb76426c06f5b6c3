// Issue 13, the certificate half as a new user finds it: phone layouts of every signed-in page
// (390 px), My certificates (masked subject, detail, downloads), change and reissue said plainly
// and listed by business type, invoices only when they exist, the history's wording in both
// languages, the catalog editor's English names and renewal review, and a crawl of every link
// an applicant and a staff member can reach.
import { expect, test, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test'
import { apiAfter, apiJson, bodyText, DEMO_STAFF, loginViaApi, newUser, registerViaApi, shot } from './helpers'
import { completePersonal, isFile, layoutProblems, linksOn, mobile, personalDraft, settle, type OrderRef } from './newuser'

const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1366, height: 900 }

const user = newUser()
const holderName = '孙新用户'
let completed: OrderRef = { id: '', number: '' }
let draft: OrderRef = { id: '', number: '' }
let serial = ''
let staffContext: BrowserContext

async function signedIn(page: Page): Promise<void> {
  await loginViaApi(page.request, user.loginName, user.password)
}

test.describe.serial('the certificate half as a new user finds it (issue 13)', () => {
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(180_000)
    const context = await browser.newContext({ baseURL: test.info().project.use.baseURL })
    const request: APIRequestContext = context.request
    await registerViaApi(request, user)
    staffContext = await browser.newContext({ baseURL: test.info().project.use.baseURL })
    await loginViaApi(staffContext.request, DEMO_STAFF.login, DEMO_STAFF.password)
    const phone = mobile()
    completed = await personalDraft(request, holderName, phone)
    serial = await completePersonal(request, staffContext.request, completed, phone)
    draft = await personalDraft(request, holderName, mobile())
    await context.close()
  })

  test.afterAll(async () => {
    await staffContext?.close()
  })

  test('every signed-in page fits a 390 px phone: nothing sticks out, no text one character wide', async ({ page }) => {
    test.setTimeout(240_000)
    await page.setViewportSize(PHONE)
    await signedIn(page)
    const pages: [string, string][] = [
      ['/', 'home'],
      ['/apply', 'catalog'],
      ['/channels/zfgjj', 'channel'],
      ['/orders', 'orders'],
      [`/orders/${completed.id}`, 'order-completed'],
      [`/orders/${draft.id}`, 'order-confirm-step'],
      ['/certificates', 'certificates'],
      [`/certificates/${serial}`, 'certificate-detail'],
      ['/account', 'account'],
    ]
    const found: string[] = []
    for (const [path, name] of pages) {
      await page.goto(path)
      await settle(page)
      await expect(page.getByText('页面不存在')).toHaveCount(0)
      await shot(page, `phone-${name}`)
      found.push(...(await layoutProblems(page, { tablesMayScroll: false })).map((p) => `${path}: ${p}`))
    }
    // The header: brand and account on one row, the page links on the next; 申请证书 hidden.
    await expect(page.getByTestId('nav-apply')).toBeHidden()
    const brand = await page.getByTestId('brand-link').boundingBox()
    const orders = await page.getByTestId('nav-orders').boundingBox()
    expect(brand && orders && orders.y >= brand.y + brand.height - 1, '我的订单 sits below the logo, not over it').toBe(true)
    // Lists are cards on a phone: state and actions in view.
    await page.goto('/orders')
    await expect(page.getByTestId('orders-cards')).toBeVisible()
    await expect(page.getByTestId(`orders-state-${draft.number}`)).toBeInViewport()
    await page.goto('/certificates')
    await expect(page.getByTestId(`cert-card-${serial}`)).toBeVisible()
    await expect(page.getByTestId(`cert-revoke-${serial}`)).toBeInViewport()
    // The order page's identity checks and payments are cards too, their state in view.
    await page.goto(`/orders/${completed.id}`)
    await expect(page.getByTestId('order-checks')).toHaveCount(0)
    await page.getByTestId('order-check-card-0').scrollIntoViewIfNeeded()
    await expect(page.getByTestId('order-check-card-0')).toBeInViewport({ ratio: 1 })
    await expect(page.getByTestId('order-check-card-0')).toContainText('已通过')
    await expect(page.getByTestId('order-payments')).toHaveCount(0)
    await expect(page.getByTestId('order-payment-card-0')).toContainText('已支付')
    // The wizard names the current step on a phone instead of five squeezed titles.
    await page.goto(`/orders/${draft.id}`)
    await expect(page.getByTestId('wizard-step-now')).toContainText('确认提交')

    // The staff console on a phone too.
    const staff = await staffContext.newPage()
    await staff.setViewportSize(PHONE)
    for (const [path, name] of [
      ['/staff', 'staff-queue'],
      [`/staff/orders/${completed.id}`, 'staff-order'],
      ['/staff/catalog', 'staff-catalog'],
    ] as const) {
      await staff.goto(path)
      await settle(staff)
      await shot(staff, `phone-${name}`)
      found.push(...(await layoutProblems(staff)).map((p) => `${path} (staff): ${p}`))
    }
    await staff.close()
    expect(found, found.join('\n')).toEqual([])
  })

  test('My certificates: the subject as a person reads it, a detail page, downloads, the phone column', async ({ page }) => {
    await page.setViewportSize(DESKTOP)
    await signedIn(page)
    await page.goto('/certificates')
    const subject = page.getByTestId(`cert-subject-${serial}`)
    await expect(subject).toHaveText(holderName)
    // The ID number is masked everywhere on the page.
    const held = ((await (await page.request.get('/api/v1/certificates')).json()) as { serial: string; subject: string; subject_view: { id_masked: string } }[]).find((c) => c.serial === serial)
    expect(held?.subject_view.id_masked).toMatch(/^\d{4}\*{10}[\dX]{4}$/)
    expect(held?.subject).not.toMatch(/\d{17}[\dX]/)
    await expect(page.getByTestId('certificates-page')).not.toContainText(/\d{17}[\dX]/)
    await expect(page.getByTestId(`cert-phone-${serial}`)).toBeInViewport()
    await shot(page, 'desktop-certificates')

    await page.getByTestId(`cert-serial-${serial}`).click()
    await expect(page).toHaveURL(new RegExp(`/certificates/${serial}$`))
    await expect(page.getByTestId('certificate-detail-holder')).toHaveText(holderName)
    await expect(page.getByTestId('certificate-detail-id')).toHaveText(held?.subject_view.id_masked as string)
    await expect(page.getByTestId('certificate-detail-chain').locator('li')).toHaveCount(3)
    await shot(page, 'desktop-certificate-detail')
    for (const [format, marker] of [['pem', '-----BEGIN CERTIFICATE-----'], ['chain', '-----BEGIN CERTIFICATE-----']] as const) {
      const href = await page.getByTestId(`certificate-download-${format}`).getAttribute('href')
      const res = await page.request.get(href as string)
      expect(res.ok(), `${res.status()} ${await res.text()}`).toBe(true)
      const text = await res.text()
      expect(text.startsWith(marker)).toBe(true)
      expect(text.split(marker).length - 1).toBe(format === 'chain' ? 3 : 1)
    }
    const der = await page.request.get(`/api/v1/certificates/${serial}/download?format=der`)
    expect(der.headers()['content-type']).toContain('application/pkix-cert')
    expect((await der.body())[0]).toBe(0x30)
    // Another user's serial, or a made-up one, is not found.
    expect((await page.request.get('/api/v1/certificates/0badc0ffee/download?format=pem')).status()).toBe(404)
    expect((await page.request.get(`/api/v1/certificates/${serial}/download?format=exe`)).status()).toBe(400)
  })

  test('reissue says it revokes the old certificate; the order is titled 补办 and listed by business type', async ({ page }) => {
    await page.setViewportSize(DESKTOP)
    await signedIn(page)
    await page.goto('/certificates')
    await page.getByTestId(`cert-reissue-${serial}`).click()
    const box = page.locator('.el-message-box')
    await expect(box).toContainText('原证书将被注销')
    await shot(page, 'desktop-reissue-confirm')
    // Cancelling opens nothing.
    await box.getByRole('button', { name: '取消' }).click()
    await expect(page).toHaveURL(/\/certificates$/)
    await page.getByTestId(`cert-reissue-${serial}`).click()
    const opened = await apiAfter(page, 'POST', `/api/v1/certificates/${serial}/orders`, () =>
      page.locator('.el-message-box').getByRole('button', { name: '确认办理' }).click(),
    )
    expect(opened.status(), await bodyText(opened)).toBe(201)
    const reissue = (await opened.json()) as OrderRef
    await expect(page.getByTestId('order-title')).toContainText('证书补办')
    await page.goto('/orders')
    await expect(page.getByTestId(`orders-kind-${reissue.number}`)).toHaveText('补办')
    await expect(page.getByTestId(`orders-kind-${draft.number}`)).toHaveText('新办')
    await page.getByTestId('orders-filter-kind').click()
    await page.getByTestId('orders-filter-kind-reissue').click()
    await expect(page.getByTestId(`orders-kind-${reissue.number}`)).toBeVisible()
    await expect(page.getByTestId(`orders-kind-${draft.number}`)).toHaveCount(0)
    await shot(page, 'desktop-orders-by-business')
    // The list answers a business type it does not know with a clear error.
    const bad = await page.request.get('/api/v1/orders?kind=teleport')
    expect(bad.status()).toBe(400)
    await apiJson(page.request, 'POST', `/api/v1/orders/${reissue.id}/cancel`)
  })

  test('invoices: the link only when the invoice exists; an API error opened as a page reads as a page', async ({ page }) => {
    await signedIn(page)
    const detail = (await (await page.request.get(`/api/v1/orders/${completed.id}`)).json()) as { invoice_ready: boolean; paid: boolean }
    expect(detail.paid).toBe(true)
    expect(detail.invoice_ready).toBe(false)
    await page.goto(`/orders/${completed.id}`)
    await expect(page.getByTestId('order-info')).toBeVisible()
    await expect(page.getByTestId('order-invoice')).toHaveCount(0)
    // Opened in the browser, a missing invoice is a page in words, not raw JSON.
    const response = await page.goto(`/api/v1/orders/${completed.id}/invoice.pdf`)
    expect(response?.status()).toBe(404)
    expect(response?.headers()['content-type']).toContain('text/html')
    await expect(page.getByTestId('problem-page')).toBeVisible()
    await expect(page.locator('body')).not.toContainText('"code"')
    await shot(page, 'invoice-missing-page')
    // The web app's own requests keep problem+json.
    const api = await page.request.get(`/api/v1/orders/${completed.id}/invoice.pdf`, { headers: { Accept: 'application/json' } })
    expect(api.headers()['content-type']).toContain('application/problem+json')
  })

  test('wording: the history says what happened, in Chinese and in English, with English catalog names', async ({ page }) => {
    await signedIn(page)
    await page.goto(`/orders/${completed.id}`)
    const history = page.getByTestId('order-history')
    await expect(history).toContainText('提交成功，待身份核验')
    await expect(history).toContainText('支付宝')
    await expect(history).not.toContainText('自动审核通过')
    await expect(history).not.toContainText('alipay')
    await expect(page.getByTestId('order-page-number')).toHaveText(completed.number)

    await page.evaluate(() => localStorage.setItem('signet.locale', 'en'))
    await page.reload()
    await expect(history).toContainText('Submitted; identity checks next')
    await expect(history).toContainText('Alipay')
    await expect(page.getByTestId('order-title')).toContainText('Personal cloud certificate')
    await expect(page.locator('body')).not.toContainText('：')
    await shot(page, 'english-order')
    await page.goto('/apply')
    await expect(page.getByTestId('catalog-project-ukey')).toContainText('Signet UKEY certificates')
    await expect(page.getByTestId('catalog-project-ukey')).toContainText('1 certificate product')
    await expect(page.getByTestId('catalog-project-zfgjj')).toContainText('2 certificate products')
    await expect(page.locator('body')).not.toContainText('：')
    await shot(page, 'english-catalog')
    await page.evaluate(() => localStorage.setItem('signet.locale', 'zh-CN'))
  })

  test('the catalog editor lists switched-off products and edits the English name and renewal review', async () => {
    const staff = await staffContext.newPage()
    await staff.goto('/staff/catalog')
    await staff.getByTestId('catalog-admin-edit-product-ukey-org').click()
    const dialog = staff.getByTestId('product-dialog')
    await expect(staff.getByTestId('product-form-name-en')).toHaveValue('Organisation UKEY certificate')
    await expect(staff.getByTestId('product-form-renewal-review')).toBeVisible()
    await shot(staff, 'catalog-editor-english')
    await dialog.getByTestId('product-form-cancel').click()
    await staff.close()
  })

  test('no link reachable as applicant or as staff leads to 页面不存在 or a 404', async ({ page }) => {
    test.setTimeout(300_000)
    await signedIn(page)
    const broken = [
      // The catalog's cards open the channels by a click, not a link: start from each too.
      ...(await crawl(page, ['/', '/apply', '/channels/ggzy', '/channels/zfgjj', '/channels/ukey', '/orders', '/certificates', '/account', `/orders/${completed.id}`, `/certificates/${serial}`])),
    ]
    const staff = await staffContext.newPage()
    broken.push(...(await crawl(staff, ['/staff', '/staff/catalog', `/staff/orders/${completed.id}`])).map((b) => `(staff) ${b}`))
    await staff.close()
    expect(broken, `dead links:\n${broken.join('\n')}`).toEqual([])
  })
})

/** Follows every same-origin link from `starts` (pages opened, files requested); the dead ones. */
async function crawl(page: Page, starts: string[], limit = 80): Promise<string[]> {
  const seen = new Set<string>()
  const from = new Map<string, string>()
  const queue = [...starts]
  const broken: string[] = []
  while (queue.length && seen.size < limit) {
    const path = queue.shift() as string
    if (seen.has(path)) continue
    seen.add(path)
    const origin = from.get(path) ?? 'start'
    if (isFile(path)) {
      const res = await page.request.get(path)
      if (res.status() === 404) broken.push(`${path} (linked from ${origin}) → 404`)
      // A file link answered by the web app's page is its 页面不存在: open it to see.
      const html = (res.headers()['content-type'] ?? '').includes('text/html')
      if (!html || res.status() === 404) continue
    }
    const response = await page.goto(path)
    await settle(page)
    if (response && response.status() === 404) broken.push(`${path} (linked from ${origin}) → 404`)
    if (await page.getByText('页面不存在').count()) broken.push(`${path} (linked from ${origin}) → 页面不存在`)
    for (const link of await linksOn(page)) {
      if (!seen.has(link) && !from.has(link)) {
        from.set(link, path)
        queue.push(link)
      }
    }
  }
  return broken
}

// Registration desk flows (catalog, wizard, identity checks, signing, payment, staff review)
// against `signet serve --sandbox` initialised with `signet init --demo`.
import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { creditCheckCharacter, idCheckDigit } from '../src/utils/ids'
import {
  apiAfter,
  apiJson,
  bodyText,
  DEMO_STAFF,
  expectProblemShown,
  inboxCode,
  loginViaApi,
  newUser,
  PNG_1X1,
  registerViaApi,
  shot,
  solveCaptcha,
  solvedCaptcha,
  uniquePhone,
} from './helpers'

const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('')

/** A valid unified social credit code (GB 32100), new each time. */
function creditCode(): string {
  const first17 = `91350100MA${digits(7)}`
  return `${first17}${creditCheckCharacter(first17)}`
}

/** A valid resident ID number (GB 11643), new each time. */
function idNumber(birth = '19900101'): string {
  const first17 = `350102${birth}${digits(3)}`
  return `${first17}${idCheckDigit(first17)}`
}

/** A mobile number the sandbox carrier accepts (numbers ending 0000 fail three-factor). */
function mobile(): string {
  const phone = uniquePhone()
  return phone.endsWith('0000') ? mobile() : phone
}

/** Fen from the sandbox bank as the yuan amount the applicant types. */
const yuan = (fen: string): string => `${Math.floor(Number(fen) / 100)}.${String(Number(fen) % 100).padStart(2, '0')}`

/** An applicant registered and signed in, in the page's own cookie jar. */
async function signedInApplicant(page: Page): Promise<void> {
  await registerViaApi(page.request, newUser())
}

/** A second browser window for the CA staff member (the demo `staff` account). */
async function staffWindow(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const use = test.info().project.use
  const context = await browser.newContext({ baseURL: use.baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  await loginViaApi(context.request, DEMO_STAFF.login, DEMO_STAFF.password)
  const page = await context.newPage()
  return { context, page }
}

function orderIdOf(page: Page): string {
  const match = /\/orders\/([^/?#]+)/.exec(page.url())
  expect(match, `order URL: ${page.url()}`).toBeTruthy()
  return (match as RegExpExecArray)[1] as string
}

/** "保存，下一步": the step is validated and the whole form saved. */
async function nextStep(page: Page, orderId: string): Promise<void> {
  const saved = await apiAfter(page, 'PUT', `/api/v1/orders/${orderId}/form`, () => page.getByTestId('wizard-next').click())
  expect(saved.ok(), await bodyText(saved)).toBe(true)
}

async function uploadMaterial(page: Page, orderId: string, kind: string): Promise<void> {
  const uploaded = await apiAfter(page, 'POST', `/api/v1/orders/${orderId}/materials`, () =>
    page.getByTestId(`material-${kind}-file-input`).setInputFiles({ name: `${kind}.png`, mimeType: 'image/png', buffer: PNG_1X1 }),
  )
  expect(uploaded.status(), await bodyText(uploaded)).toBe(201)
  await expect(page.getByTestId(`material-${kind}-status`)).toHaveAttribute('data-uploaded', 'yes')
}

/** Agreement, the signing SMS code from the sandbox inbox, submit. */
async function signAndSubmit(page: Page, orderId: string, signerPhone: string): Promise<void> {
  // The code goes out behind the step's graphic captcha.
  const captcha = page.getByTestId('sign-captcha-image')
  await expect(captcha).toHaveAttribute('data-captcha-id', /.+/)
  await solveCaptcha(page, 'sign-captcha', (await captcha.getAttribute('data-captcha-id')) as string)
  const sent = await apiAfter(page, 'POST', `/api/v1/orders/${orderId}/signing-code`, () =>
    page.getByTestId('sign-sms-send-button').click(),
  )
  expect(sent.ok(), await bodyText(sent)).toBe(true)
  await page.getByTestId('sign-sms-code-input').fill(await inboxCode(page.request, signerPhone, 'sms'))
  const submitted = await apiAfter(page, 'POST', `/api/v1/orders/${orderId}/submit`, () =>
    page.getByTestId('wizard-submit').click(),
  )
  expect(submitted.ok(), await bodyText(submitted)).toBe(true)
  await expect(page.getByTestId('order-state')).toHaveAttribute('data-state', 'verifying')
  await expect(page.getByTestId('verification-panel')).toBeVisible()
}

/** Opens the payment QR code, pays (or fails) on the sandbox pay page in another tab. */
async function payOnSandbox(page: Page, channel: 'wechat' | 'alipay', result: 'paid' | 'failed', name: string): Promise<void> {
  await page.getByTestId(`pay-channel-${channel}`).click()
  const opened = await apiAfter(page, 'POST', `/api/v1/orders/${orderIdOf(page)}/payments`, () =>
    page.getByTestId('pay-start').click(),
  )
  expect(opened.status(), await bodyText(opened)).toBe(201)
  const qr = page.getByTestId('pay-qr')
  await expect(qr).toBeVisible()
  const url = (await qr.getAttribute('data-value')) as string
  expect(url).toMatch(new RegExp(`/sandbox/pay/[^?]+\\?channel=${channel}$`))
  await expect(page.getByTestId('pay-open-link')).toHaveAttribute('href', url)
  await shot(page, `${name}-pay-qr`)

  const payPage = await page.context().newPage()
  await payPage.goto(url)
  await expect(payPage.getByTestId('sandbox-banner')).toContainText('沙箱模拟页面')
  await shot(payPage, `${name}-sandbox-pay`)
  const done = await apiAfter(payPage, 'POST', `/dev/payments/${url.split('/').pop()?.split('?')[0]}`, () =>
    payPage.getByTestId(result === 'paid' ? 'sandbox-pay-success' : 'sandbox-pay-fail').click(),
  )
  expect(done.ok(), await bodyText(done)).toBe(true)
  await expect(payPage.getByTestId('sandbox-pay-result')).toHaveAttribute('data-state', result)
  await payPage.close()
}

/** The staff member approves the order from the queue. */
async function approveInConsole(staff: Page, orderNumber: string, name: string): Promise<void> {
  await staff.goto('/staff')
  await expect(staff.getByTestId('nav-staff')).toBeVisible()
  await staff.getByTestId(`staff-order-${orderNumber}`).click()
  await expect(staff.getByTestId('staff-order-number')).toHaveText(orderNumber)
  await expect(staff.getByTestId('staff-order-state')).toHaveAttribute('data-state', 'awaiting_review')
  await shot(staff, `${name}-staff-order`)
  await staff.getByTestId('staff-approve').click()
  const approved = await apiAfter(staff, 'POST', `/api/v1/staff/orders/${staffOrderId(staff)}/approve`, () =>
    staff.locator('.el-message-box').getByRole('button', { name: '确定' }).click(),
  )
  expect(approved.ok(), await bodyText(approved)).toBe(true)
  await expect(staff.getByTestId('staff-order-state')).not.toHaveAttribute('data-state', 'awaiting_review')
}

const staffOrderId = (staff: Page): string => new URL(staff.url()).pathname.split('/').pop() as string

test.describe('registration desk', () => {
  let pageErrors: string[] = []
  test.beforeEach(({ page }) => {
    pageErrors = []
    page.on('pageerror', (err) => pageErrors.push(err.message))
  })
  test.afterEach(() => {
    expect(pageErrors, 'uncaught errors in the page').toEqual([])
  })

  test('an enterprise applies through the 001-style project: review first, micro-deposit, cloud certificate', async ({
    page,
    browser,
  }) => {
    test.setTimeout(240_000)
    const org = { name: `福州测试科技有限公司${digits(4)}`, code: creditCode() }
    const operator = { name: '李经办', id: idNumber(), phone: mobile(), email: 'operator@example.com' }
    const account = `6222${digits(14)}`
    await signedInApplicant(page)

    // Catalog: search, then the project's landing page.
    await page.goto('/apply')
    await expect(page.getByTestId('catalog-project-ggzy')).toBeVisible()
    await expect(page.getByTestId('catalog-project-zfgjj')).toBeVisible()
    await shot(page, 'catalog')
    await page.getByTestId('catalog-search-input').fill('公共资源')
    await expect(page.getByTestId('catalog-project-zfgjj')).toHaveCount(0)
    await page.getByTestId('catalog-project-ggzy').click()
    await expect(page.getByTestId('channel-title')).toHaveText('公共资源交易 CA 数字证书在线办理')
    await expect(page.getByTestId('product-ggzy-org-cloud-price')).toHaveText('300.00 元/年')
    await expect(page.getByTestId('product-ggzy-org-ukey-renewal')).toBeVisible()
    await shot(page, 'ggzy-landing')
    await apiAfter(page, 'POST', '/api/v1/orders', () => page.getByTestId('product-ggzy-org-cloud-new').click())
    await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/)
    const orderId = orderIdOf(page)

    // 证书信息: two years, the price follows.
    await expect(page.getByTestId('wizard')).toHaveAttribute('data-step', 'goods')
    await page.getByTestId('wizard-term-2').click()
    await expect(page.getByTestId('wizard-total')).toHaveText('600.00 元')
    await shot(page, 'wizard-goods')
    await nextStep(page, orderId)

    // 单位及经办人: a wrong credit code is refused at the field.
    await expect(page.getByTestId('wizard')).toHaveAttribute('data-step', 'applicant')
    await page.getByTestId('wizard-org-name-input').fill(org.name)
    await page.getByTestId('wizard-org-id-number-input').fill(`${org.code.slice(0, 17)}${org.code[17] === '0' ? '1' : '0'}`)
    await page.getByTestId('wizard-legal-rep-name-input').fill('王法人')
    await page.getByTestId('wizard-legal-rep-id-number-input').fill(idNumber('19700101'))
    await page.getByTestId('wizard-legal-rep-phone-input').fill(mobile())
    await page.getByTestId('wizard-person-name-input').fill(operator.name)
    await page.getByTestId('wizard-person-id-number-input').fill(operator.id)
    await page.getByTestId('wizard-person-phone-input').fill(operator.phone)
    await page.getByTestId('wizard-person-email-input').fill(operator.email)
    await page.getByTestId('wizard-person-department-input').fill('信息部')
    await page.getByTestId('wizard-next').click()
    await expect(page.getByText('统一社会信用代码不正确，请核对后重新输入')).toBeVisible()
    // Pasted spaces are fine: the server strips them.
    await page.getByTestId('wizard-org-id-number-input').fill(` ${org.code.slice(0, 8)} ${org.code.slice(8)} `)
    await page.getByTestId('wizard-org-id-number-input').blur()
    await expect(page.getByText('统一社会信用代码不正确，请核对后重新输入')).toHaveCount(0)
    await shot(page, 'wizard-applicant')
    await nextStep(page, orderId)

    // 材料: the licence and the letter (001 requires it when the operator is not the legal
    // representative); a letter naming someone else than the operator is refused (001 §3.2);
    // the phone-upload QR code is there too.
    await expect(page.getByTestId('wizard')).toHaveAttribute('data-step', 'materials')
    await uploadMaterial(page, orderId, 'business_licence')
    await uploadMaterial(page, orderId, 'authorisation_letter')
    await page.getByTestId('wizard-grantee-input').fill('张三')
    await page.getByTestId('wizard-next').click()
    await expect(page.getByText(`授权书的被授权人须与经办人（${operator.name}）为同一人`)).toBeVisible()
    await expect(page.getByTestId('wizard')).toHaveAttribute('data-step', 'materials')
    await page.getByTestId('wizard-grantee-input').fill(operator.name)
    await page.getByTestId('material-seal_image-mobile-button').click()
    await expect(page.getByTestId('material-mobile-qr')).toHaveAttribute('data-value', /\/m\/upload\/.+/)
    await shot(page, 'wizard-materials-mobile')
    await page.keyboard.press('Escape')
    await expect(page.getByTestId('wizard-letter-link')).toHaveAttribute('href', `/api/v1/orders/${orderId}/authorisation-letter.pdf`)
    await shot(page, 'wizard-materials')
    await nextStep(page, orderId)

    // 发票与收货: the invoice title defaults to the organisation; no delivery for cloud certificates.
    await expect(page.getByTestId('wizard')).toHaveAttribute('data-step', 'delivery')
    await page.getByTestId('wizard-invoice-wanted-checkbox').click()
    await expect(page.getByTestId('wizard-invoice-title-input')).toHaveValue(org.name)
    await expect(page.getByTestId('wizard-invoice-taxpayer-id-input')).toHaveValue(org.code)
    await shot(page, 'wizard-delivery')
    await nextStep(page, orderId)

    // 确认: the summary, then sign with the SMS code.
    await expect(page.getByTestId('wizard')).toHaveAttribute('data-step', 'confirm')
    await expect(page.getByTestId('summary-organisation')).toContainText(org.code)
    await expect(page.getByTestId('summary-amount')).toHaveText('600.00 元')
    await page.getByTestId('wizard-agree-checkbox').click()
    await shot(page, 'wizard-confirm')
    await signAndSubmit(page, orderId, operator.phone)

    // 对公打款: a wrong amount costs a try; the right one passes.
    await page.getByTestId('verify-organisation-bank-input').fill('中国工商银行福州分行')
    await page.getByTestId('verify-organisation-account-input').fill(account)
    await apiAfter(page, 'POST', `/api/v1/orders/${orderId}/verifications`, () =>
      page.getByTestId('verify-organisation-deposit-start').click(),
    )
    await expect(page.getByTestId('verify-organisation-deposit-tries')).toContainText('还可尝试 3 次')
    await shot(page, 'verify-deposit')
    const amount = yuan(await inboxCode(page.request, account, 'bank'))
    const wrong = amount === '0.01' ? '0.02' : '0.01'
    const vid = await pendingDepositId(page.request, orderId)
    await page.getByTestId('verify-organisation-amount-input').fill(wrong)
    const refused = await apiAfter(page, 'POST', `/api/v1/orders/${orderId}/verifications/${vid}/deposit`, () =>
      page.getByTestId('verify-organisation-deposit-confirm').click(),
    )
    await expectProblemShown(page, refused)
    await expect(page.getByTestId('verify-organisation-deposit-tries')).toContainText('还可尝试 2 次')
    await page.getByTestId('verify-organisation-amount-input').fill(amount)
    await page.getByTestId('verify-organisation-deposit-confirm').click()
    await expect(page.getByTestId('verify-organisation-card')).toHaveAttribute('data-done', 'yes')

    // 手机号三要素 for the operator: one click; review comes next.
    await page.getByTestId('verify-operator-three-start').click()
    await expect(page.getByTestId('order-state')).toHaveAttribute('data-state', 'awaiting_review')
    await expect(page.getByTestId('order-status-result')).toContainText('待审核')
    await shot(page, 'awaiting-review')
    const orderNumber = (await page.getByTestId('order-page-number').textContent()) as string

    // The reviewer approves in the staff console.
    const staff = await staffWindow(browser)
    await staff.page.goto('/staff')
    await expect(staff.page.getByTestId(`staff-order-${orderNumber}`)).toBeVisible()
    await shot(staff.page, 'staff-queue')
    await staff.page.getByTestId(`staff-order-${orderNumber}`).click()
    await expect(staff.page.getByTestId('staff-material-authorisation_letter')).toBeVisible()
    await approveInConsole(staff.page, orderNumber, 'ggzy')
    await expect(staff.page.getByTestId('staff-order-state')).toHaveAttribute('data-state', 'awaiting_payment')
    await staff.context.close()

    // Pay on the sandbox pay page; the order page sees it and shows the certificate.
    await page.reload()
    await expect(page.getByTestId('payment-panel')).toBeVisible()
    await expect(page.getByTestId('pay-amount')).toHaveText('600.00 元')
    await payOnSandbox(page, 'wechat', 'paid', 'ggzy')
    await expect(page.getByTestId('order-state')).toHaveAttribute('data-state', 'completed', { timeout: 15_000 })
    await expect(page.getByTestId('certificate-subject')).toContainText(org.name)
    await expect(page.getByTestId('certificate-serial')).not.toBeEmpty()
    await expect(page.getByTestId('order-invoice')).toBeVisible()
    await shot(page, 'ggzy-completed')

    // My orders: finished.
    await page.goto('/orders')
    await page.getByRole('tab', { name: '已完成' }).click()
    await expect(page.getByTestId(`orders-state-${orderNumber}`)).toHaveText('已完成')
    await shot(page, 'my-orders-finished')
  })

  test('a person applies through the 002-style channel: three-factor, pay first, then review', async ({ page, browser }) => {
    test.setTimeout(200_000)
    const holder = { name: '赵个人', id: idNumber('19850505'), phone: mobile(), email: 'person@example.com' }
    await signedInApplicant(page)

    await page.goto('/channels/zfgjj')
    await expect(page.getByTestId('channel-title')).toHaveText('住房公积金网上业务 · 数字证书办理')
    await expect(page.getByTestId('channel-notices')).toContainText('办理须知')
    await expect(page.getByTestId('channel-service-phone')).toHaveText('400-000-0002')
    await expect(page.getByTestId('product-zfgjj-personal-cloud-price')).toHaveText('50.00 元/年')
    await shot(page, 'zfgjj-landing')
    await apiAfter(page, 'POST', '/api/v1/orders', () => page.getByTestId('product-zfgjj-personal-cloud-new').click())
    await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/)
    const orderId = orderIdOf(page)

    await page.getByTestId('wizard-term-2').click()
    await expect(page.getByTestId('wizard-total')).toHaveText('100.00 元')
    await nextStep(page, orderId)
    await page.getByTestId('wizard-person-name-input').fill(holder.name)
    await page.getByTestId('wizard-person-id-number-input').fill(holder.id)
    await page.getByTestId('wizard-person-phone-input').fill(holder.phone)
    await page.getByTestId('wizard-person-email-input').fill(holder.email)
    await shot(page, 'personal-applicant')
    await nextStep(page, orderId)
    // Both sides of the ID card are required.
    await uploadMaterial(page, orderId, 'id_front')
    await page.getByTestId('wizard-next').click()
    await expect(page.getByText('请上传“身份证国徽面”')).toBeVisible()
    await uploadMaterial(page, orderId, 'id_back')
    await nextStep(page, orderId)
    await nextStep(page, orderId)
    await expect(page.getByTestId('summary-person')).toContainText(holder.id)
    await page.getByTestId('wizard-agreement-link').click()
    await page.getByTestId('wizard-agreement-accept').click()
    await signAndSubmit(page, orderId, holder.phone)

    // A face check on the spot (QR code → the sandbox face page on a phone) that fails…
    await expect(page.getByTestId('verify-person-card')).toBeVisible()
    await page.getByTestId('verify-person-method-face').click()
    await apiAfter(page, 'POST', `/api/v1/orders/${orderId}/verifications`, () => page.getByTestId('verify-person-face-start').click())
    const faceUrl = (await page.getByTestId('verify-person-face-qr').getAttribute('data-value')) as string
    expect(faceUrl).toMatch(/\/face\/[^/]+$/)
    await shot(page, 'personal-face-qr')
    const phonePage = await page.context().newPage()
    await phonePage.goto(faceUrl)
    await expect(phonePage.getByTestId('sandbox-banner')).toContainText('沙箱模拟页面')
    await shot(phonePage, 'sandbox-face')
    await phonePage.getByTestId('sandbox-face-fail').click()
    await expect(phonePage.getByTestId('sandbox-face-result')).toContainText('人脸核验未通过')
    await phonePage.close()
    // …shows the failure with "修改信息后重试"; mobile three-factor then passes in one click, and
    // payment comes next (this channel takes payment first).
    await expect(page.getByTestId('verify-person-failed')).toContainText('人脸核验未通过', { timeout: 15_000 })
    await expect(page.getByTestId('verify-person-retry-edit')).toBeVisible()
    await shot(page, 'personal-verify')
    await page.getByTestId('verify-person-method-three_factor').click()
    await page.getByTestId('verify-person-three-start').click()
    await expect(page.getByTestId('order-state')).toHaveAttribute('data-state', 'awaiting_payment')

    // A failed payment can be retried with another channel.
    await payOnSandbox(page, 'alipay', 'failed', 'zfgjj-failed')
    await expect(page.getByTestId('pay-failed')).toBeVisible({ timeout: 15_000 })
    await shot(page, 'personal-pay-failed')
    await page.getByTestId('pay-retry').click()
    await payOnSandbox(page, 'wechat', 'paid', 'zfgjj')
    await expect(page.getByTestId('order-state')).toHaveAttribute('data-state', 'awaiting_review', { timeout: 15_000 })
    await expect(page.getByTestId('order-paid')).toHaveText('已支付')
    const orderNumber = (await page.getByTestId('order-page-number').textContent()) as string

    const staff = await staffWindow(browser)
    await approveInConsole(staff.page, orderNumber, 'zfgjj')
    await expect(staff.page.getByTestId('staff-order-state')).toHaveAttribute('data-state', 'completed')
    await staff.context.close()

    await page.reload()
    await expect(page.getByTestId('order-state')).toHaveAttribute('data-state', 'completed')
    await expect(page.getByTestId('certificate-subject')).toContainText(holder.name)
    await shot(page, 'zfgjj-completed')
  })

  test('a USB-key order awaiting production shows the production command; the applicant can still move the address', async ({
    page,
    browser,
  }) => {
    test.setTimeout(180_000)
    await signedInApplicant(page)
    const request = page.request
    const order = await ukeyOrderAwaitingReview(request)

    const staff = await staffWindow(browser)
    await apiJson(staff.context.request, 'POST', `/api/v1/staff/orders/${order.id}/approve`)
    const payment = await apiJson<{ id: string }>(request, 'POST', `/api/v1/orders/${order.id}/payments`, { channel: 'wechat' })
    await apiJson(request, 'POST', `/dev/payments/${payment.id}`, { result: 'paid' })

    // The producer's screen: the exact command for the production station, and refund allowed.
    await staff.page.goto('/staff?state=awaiting_production')
    await staff.page.getByTestId(`staff-order-${order.number}`).click()
    await expect(staff.page.getByTestId('staff-order-state')).toHaveAttribute('data-state', 'awaiting_production')
    await expect(staff.page.getByTestId('staff-production-command')).toHaveText(
      `signet token produce --order ${order.id} --token <label> --pin <PIN>`,
    )
    await expect(staff.page.getByTestId('staff-production-progress')).toContainText('已制作 0/2 张')
    await expect(staff.page.getByTestId('staff-refund')).toBeVisible()
    await expect(staff.page.getByTestId('staff-materials').locator('img').first()).toBeVisible()
    await shot(staff.page, 'ukey-staff-production')
    await staff.context.close()

    // Until a tracking number exists the applicant can change the delivery address.
    await page.goto(`/orders/${order.id}`)
    await expect(page.getByTestId('order-state')).toHaveAttribute('data-state', 'awaiting_production')
    await page.getByTestId('shipping-edit-button').click()
    await page.getByTestId('shipping-address-input').fill('福州市仓山区新地址 8 号')
    const moved = await apiAfter(page, 'PUT', `/api/v1/orders/${order.id}/shipping`, () => page.getByTestId('shipping-save').click())
    expect(moved.ok(), await bodyText(moved)).toBe(true)
    await expect(page.getByTestId('shipping-address')).toHaveText('福州市仓山区新地址 8 号')
    await shot(page, 'ukey-applicant-production')
  })

  test('staff rejects with a reason; the applicant sees it and edits the application again', async ({ page, browser }) => {
    test.setTimeout(120_000)
    await signedInApplicant(page)
    const order = await personalOrderAwaitingReview(page.request)

    const staff = await staffWindow(browser)
    await staff.page.goto(`/staff/orders/${order.id}`)
    await expect(staff.page.getByTestId('staff-order-state')).toHaveAttribute('data-state', 'awaiting_review')
    await staff.page.getByTestId('staff-reject').click()
    // The reason is required.
    await staff.page.getByTestId('staff-reject-confirm').click()
    await expect(staff.page.getByText('请填写驳回原因')).toBeVisible()
    await staff.page.getByTestId('staff-reject-reason').fill('身份证照片模糊，请重新上传')
    await shot(staff.page, 'staff-reject')
    const rejected = await apiAfter(staff.page, 'POST', `/api/v1/staff/orders/${order.id}/reject`, () =>
      staff.page.getByTestId('staff-reject-confirm').click(),
    )
    expect(rejected.ok(), await bodyText(rejected)).toBe(true)
    await expect(staff.page.getByTestId('staff-order-state')).toHaveAttribute('data-state', 'rejected')
    await staff.context.close()

    await page.goto(`/orders/${order.id}`)
    await expect(page.getByTestId('order-reject-reason')).toContainText('身份证照片模糊，请重新上传')
    // Paid: a refund is offered, cancelling is not.
    await expect(page.getByTestId('order-refund')).toBeVisible()
    await expect(page.getByTestId('order-cancel')).toHaveCount(0)
    await shot(page, 'order-rejected')
    await page.getByTestId('order-edit-resubmit').click()
    await expect(page.getByTestId('wizard')).toHaveAttribute('data-step', 'applicant')
    await nextStep(page, order.id)
    await expect(page.getByTestId('order-state')).toHaveAttribute('data-state', 'drafting')
    await expect(page.getByTestId('wizard')).toHaveAttribute('data-step', 'materials')
  })
})

/** The id of the order's pending micro-deposit check. */
async function pendingDepositId(request: APIRequestContext, orderId: string): Promise<string> {
  const detail = (await (await request.get(`/api/v1/orders/${orderId}`)).json()) as {
    verifications: { id: string; method: string; state: string }[]
  }
  const pending = detail.verifications.find((v) => v.method === 'micro_deposit' && v.state === 'pending')
  expect(pending, 'a pending micro-deposit').toBeTruthy()
  return (pending as { id: string }).id
}

/** A ggzy-org-ukey order (two certificates, delivered) driven through the API to review. */
async function ukeyOrderAwaitingReview(request: APIRequestContext): Promise<{ id: string; number: string }> {
  const catalog = (await (await request.get('/api/v1/catalog')).json()) as { products: { id: string; code: string }[] }[]
  const product = catalog.flatMap((p) => p.products).find((p) => p.code === 'ggzy-org-ukey')
  expect(product, 'demo product ggzy-org-ukey').toBeTruthy()
  const order = await apiJson<{ id: string; number: string }>(request, 'POST', '/api/v1/orders', {
    product_id: (product as { id: string }).id,
  })
  const csrf = (await (await request.get('/api/v1/session')).json()) as { csrf_token: string }
  const uploaded = await request.post(`/api/v1/orders/${order.id}/materials`, {
    headers: { 'X-CSRF-Token': csrf.csrf_token },
    multipart: { kind: 'business_licence', file: { name: 'licence.png', mimeType: 'image/png', buffer: PNG_1X1 } },
  })
  expect(uploaded.status(), await uploaded.text()).toBe(201)
  const licence = ((await uploaded.json()) as { id: string }).id
  // The operator is not the legal representative: seed 001 wants the authorisation letter.
  const letter = await request.post(`/api/v1/orders/${order.id}/materials`, {
    headers: { 'X-CSRF-Token': csrf.csrf_token },
    multipart: { kind: 'authorisation_letter', file: { name: 'letter.png', mimeType: 'image/png', buffer: PNG_1X1 } },
  })
  expect(letter.status(), await letter.text()).toBe(201)
  const operatorPhone = mobile()
  await apiJson(request, 'PUT', `/api/v1/orders/${order.id}/form`, {
    term_years: 1,
    quantity: 2,
    authorisation_grantee: '李经办',
    organisation: {
      name: `厦门制证测试有限公司${digits(4)}`,
      id_number: creditCode(),
      legal_rep_name: '王法人',
      legal_rep_id_number: idNumber('19700101'),
      legal_rep_phone: mobile(),
    },
    person: { name: '李经办', id_number: idNumber(), phone: operatorPhone, email: 'ukey@example.com' },
    shipping: { name: '李经办', phone: operatorPhone, address: '福州市鼓楼区软件大道 1 号' },
    materials: { business_licence: licence, authorisation_letter: ((await letter.json()) as { id: string }).id },
  })
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/signing-code`, await solvedCaptcha(request))
  const code = await inboxCode(request, operatorPhone, 'sms')
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/submit`, { agree: true, sms_code: code })
  const account = `6222${digits(14)}`
  const started = await apiJson<{ verification: { id: string } }>(request, 'POST', `/api/v1/orders/${order.id}/verifications`, {
    party: 'organisation',
    method: 'micro_deposit',
    bank: '中国工商银行',
    account,
  })
  const amount = yuan(await inboxCode(request, account, 'bank'))
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/verifications/${started.verification.id}/deposit`, { amount })
  const operator = await apiJson<{ order_state: string }>(request, 'POST', `/api/v1/orders/${order.id}/verifications`, {
    party: 'operator',
    method: 'three_factor',
  })
  expect(operator.order_state).toBe('awaiting_review')
  return order
}

/** A zfgjj-personal-cloud order, checked and paid, driven through the API to review. */
async function personalOrderAwaitingReview(request: APIRequestContext): Promise<{ id: string; number: string }> {
  const catalog = (await (await request.get('/api/v1/catalog')).json()) as { products: { id: string; code: string }[] }[]
  const product = catalog.flatMap((p) => p.products).find((p) => p.code === 'zfgjj-personal-cloud') as { id: string }
  const order = await apiJson<{ id: string; number: string }>(request, 'POST', '/api/v1/orders', { product_id: product.id })
  const materials: Record<string, string> = {}
  for (const kind of ['id_front', 'id_back']) {
    const csrf = (await (await request.get('/api/v1/session')).json()) as { csrf_token: string }
    const uploaded = await request.post(`/api/v1/orders/${order.id}/materials`, {
      headers: { 'X-CSRF-Token': csrf.csrf_token },
      multipart: { kind, file: { name: `${kind}.png`, mimeType: 'image/png', buffer: PNG_1X1 } },
    })
    expect(uploaded.status(), await uploaded.text()).toBe(201)
    materials[kind] = ((await uploaded.json()) as { id: string }).id
  }
  const phone = mobile()
  await apiJson(request, 'PUT', `/api/v1/orders/${order.id}/form`, {
    term_years: 1,
    quantity: 1,
    person: { name: '钱驳回', id_number: idNumber('19880808'), phone, email: 'reject@example.com' },
    materials,
  })
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/signing-code`, await solvedCaptcha(request))
  const code = await inboxCode(request, phone, 'sms')
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/submit`, { agree: true, sms_code: code })
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/verifications`, { party: 'person', method: 'three_factor' })
  const payment = await apiJson<{ id: string }>(request, 'POST', `/api/v1/orders/${order.id}/payments`, { channel: 'alipay' })
  const paid = await apiJson<{ state: string }>(request, 'POST', `/dev/payments/${payment.id}`, { result: 'paid' })
  expect(paid.state).toBe('paid')
  return order
}

// Account flows (SPEC ACC-1, ACC-3, ACC-4, ACC-5) against `signet serve --sandbox`.
import { expect, test, type Page } from '@playwright/test'
import {
  advanceClock,
  apiAfter,
  bodyText,
  expectPasswordsNotStored,
  captchaAfter,
  expectProblemShown,
  inboxCode,
  newUser,
  registerViaApi,
  shot,
  solveCaptcha,
  uniquePhone,
} from './helpers'

/** Register step 1 up to (not including) "下一步": phone, captcha, SMS sent, code filled. */
async function fillRegisterPhoneStep(page: Page, phone: string): Promise<void> {
  const captchaId = await captchaAfter(page, () => page.goto('/register'))
  await page.getByTestId('register-phone-input').fill(phone)
  await solveCaptcha(page, 'register-captcha', captchaId)
  // Sending spends the captcha; the page loads a new one straight away.
  const sent = await apiAfter(page, 'POST', '/api/v1/sms-codes', () =>
    captchaAfter(page, () => page.getByTestId('register-sms-send-button').click()),
  )
  expect(sent.ok(), await bodyText(sent)).toBe(true)
  await expect(page.getByTestId('register-sms-send-button')).toContainText('秒后重新获取')
  const code = await inboxCode(page.request, phone, 'sms')
  await page.getByTestId('register-sms-code-input').fill(code)
  await page.getByTestId('register-agree-checkbox').click()
}

async function logout(page: Page): Promise<void> {
  await apiAfter(page, 'POST', '/api/v1/logout', () => page.getByTestId('logout-button').click())
  await expect(page).toHaveURL(/\/login/)
  await expect(page.getByTestId('nav-login')).toBeVisible()
}

async function loginByPassword(page: Page, identifier: string, password: string): Promise<void> {
  const captchaId = await captchaAfter(page, () => page.goto('/login'))
  await page.getByTestId('login-identifier-input').fill(identifier)
  await page.getByTestId('login-password-input').fill(password)
  await expectPasswordsNotStored(page)
  await solveCaptcha(page, 'login-password-captcha', captchaId)
  const res = await apiAfter(page, 'POST', '/api/v1/login/password', () =>
    page.getByTestId('login-password-submit').click(),
  )
  expect(res.ok(), await bodyText(res)).toBe(true)
  await expect(page).toHaveURL(/\/account$/)
}

async function loginBySms(page: Page, phone: string): Promise<void> {
  // The password tab's captcha loads with the page; the SMS tab renders (and loads its own)
  // when first opened.
  await captchaAfter(page, () => page.goto('/login'))
  const captchaId = await captchaAfter(page, () => page.getByTestId('login-tab-sms').click())
  await page.getByTestId('login-sms-phone-input').fill(phone)
  await solveCaptcha(page, 'login-sms-captcha', captchaId)
  const sent = await apiAfter(page, 'POST', '/api/v1/sms-codes', () =>
    page.getByTestId('login-sms-send-button').click(),
  )
  expect(sent.ok(), await bodyText(sent)).toBe(true)
  const code = await inboxCode(page.request, phone, 'sms')
  await page.getByTestId('login-sms-code-input').fill(code)
  const res = await apiAfter(page, 'POST', '/api/v1/login/sms', () => page.getByTestId('login-sms-submit').click())
  expect(res.ok(), await bodyText(res)).toBe(true)
}

test.describe('accounts', () => {
  // Uncaught exceptions in the page fail the test.
  let pageErrors: string[] = []
  test.beforeEach(({ page }) => {
    pageErrors = []
    page.on('pageerror', (err) => pageErrors.push(err.message))
  })
  test.afterEach(() => {
    expect(pageErrors, 'uncaught errors in the page').toEqual([])
  })

  test('a newcomer registers, signs in by password and by SMS, and changes the password', async ({ page }) => {
    const user = newUser()
    const newPassword = `Better#${user.password.slice(7, 11)}2`

    await page.goto('/')
    await expect(page.getByTestId('home-title')).toHaveText('Signet 数字证书服务平台')
    await shot(page, 'home')

    // Step 1: phone, captcha, SMS code, agreement.
    await fillRegisterPhoneStep(page, user.phone)
    await shot(page, 'register-phone')
    await apiAfter(page, 'POST', '/api/v1/register/phone', () => page.getByTestId('register-phone-submit').click())

    // Step 2: details and password twice.
    await expect(page.getByTestId('register-verified-phone')).toContainText(
      `${user.phone.slice(0, 3)}****${user.phone.slice(-4)}`,
    )
    await page.getByTestId('register-login-name-input').fill(user.loginName)
    await page.getByTestId('register-real-name-input').fill(user.realName)
    await page.getByTestId('register-email-input').fill(user.email)
    await page.getByTestId('register-password-input').fill(user.password)
    await page.getByTestId('register-confirm-input').fill(user.password)
    await expectPasswordsNotStored(page)
    await shot(page, 'register-info')
    const created = await apiAfter(page, 'POST', '/api/v1/register', () => page.getByTestId('register-submit').click())
    expect(created.status(), await bodyText(created)).toBe(201)

    // The user centre shows masked data only.
    await expect(page).toHaveURL(/\/account$/)
    await expect(page.getByTestId('account-login-name')).toHaveText(user.loginName)
    await expect(page.getByTestId('account-phone')).toHaveText(`${user.phone.slice(0, 3)}****${user.phone.slice(-4)}`)
    await expect(page.getByTestId('account-email')).toContainText('***@example.com')
    await expect(page.getByText(user.phone)).toHaveCount(0)
    await shot(page, 'account')

    await logout(page)
    await shot(page, 'logged-out')

    // Password sign-in with the login name.
    await loginByPassword(page, user.loginName, user.password)
    await expect(page.getByTestId('account-login-name')).toHaveText(user.loginName)

    // Change the password in the user centre.
    await page.getByTestId('change-password-button').click()
    await page.getByTestId('old-password-input').fill(user.password)
    await page.getByTestId('new-password-input').fill(newPassword)
    await page.getByTestId('confirm-password-input').fill(newPassword)
    await expectPasswordsNotStored(page)
    await shot(page, 'change-password')
    const changed = await apiAfter(page, 'PUT', '/api/v1/me/password', () => page.getByTestId('password-save').click())
    expect(changed.status(), await bodyText(changed)).toBe(204)
    await expect(page.getByText('密码修改成功').first()).toBeVisible()

    await logout(page)

    // SMS sign-in: an existing account, so no password needs setting.
    await loginBySms(page, user.phone)
    await expect(page).toHaveURL(/\/account$/)
    await expect(page.getByTestId('account-login-name')).toHaveText(user.loginName)
    await shot(page, 'account-after-sms-login')
  })

  test('the user centre changes the avatar, login name, email and phone', async ({ page, request }) => {
    const user = newUser()
    await registerViaApi(request, user)
    await loginByPassword(page, user.loginName, user.password)

    // Avatar: a 1×1 PNG.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    )
    const uploaded = await apiAfter(page, 'POST', '/api/v1/me/avatar', () =>
      page.getByTestId('avatar-file-input').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png }),
    )
    expect(uploaded.ok(), await bodyText(uploaded)).toBe(true)
    await expect(page.locator('[data-testid="user-avatar"] img').first()).toHaveAttribute('src', /\/api\/v1\/me\/avatar\?v=\d+/)

    // Login name.
    const newName = `${user.loginName}x`
    await page.getByTestId('change-login-name-button').click()
    await page.getByTestId('login-name-input').fill(newName)
    await apiAfter(page, 'PUT', '/api/v1/me/login-name', () => page.getByTestId('login-name-save').click())
    await expect(page.getByTestId('account-login-name')).toHaveText(newName)

    // Email.
    await page.getByTestId('change-email-button').click()
    await page.getByTestId('email-input').fill(`zhangsan${Date.now()}@example.org`)
    await apiAfter(page, 'PUT', '/api/v1/me/email', () => page.getByTestId('email-save').click())
    await expect(page.getByTestId('account-email')).toHaveText('zh***@example.org')

    // Phone: prove the old number, then bind the new one.
    const newPhone = uniquePhone()
    const oldCaptcha = await captchaAfter(page, () => page.getByTestId('change-phone-button').click())
    await solveCaptcha(page, 'change-phone-old-captcha', oldCaptcha)
    const sentOld = await apiAfter(page, 'POST', '/api/v1/sms-codes', () =>
      captchaAfter(page, () => page.getByTestId('change-phone-old-sms-send-button').click()),
    )
    expect(sentOld.ok(), await bodyText(sentOld)).toBe(true)
    await page.getByTestId('change-phone-old-sms-code-input').fill(await inboxCode(page.request, user.phone, 'sms'))
    await shot(page, 'change-phone-old')
    const newCaptcha = await captchaAfter(page, () => page.getByTestId('change-phone-verify-old').click())
    await page.getByTestId('change-phone-new-input').fill(newPhone)
    await solveCaptcha(page, 'change-phone-new-captcha', newCaptcha)
    const sentNew = await apiAfter(page, 'POST', '/api/v1/sms-codes', () =>
      captchaAfter(page, () => page.getByTestId('change-phone-new-sms-send-button').click()),
    )
    expect(sentNew.ok(), await bodyText(sentNew)).toBe(true)
    await page.getByTestId('change-phone-new-sms-code-input').fill(await inboxCode(page.request, newPhone, 'sms'))
    const changed = await apiAfter(page, 'PUT', '/api/v1/me/phone', () => page.getByTestId('change-phone-save').click())
    expect(changed.ok(), await bodyText(changed)).toBe(true)
    await expect(page.getByTestId('account-phone')).toHaveText(`${newPhone.slice(0, 3)}****${newPhone.slice(-4)}`)
    await shot(page, 'account-changed')
  })

  test('SMS sign-in with an unknown number registers it and asks for a password first', async ({ page }) => {
    const phone = uniquePhone()
    await loginBySms(page, phone)
    await expect(page).toHaveURL(/\/account\/set-password$/)
    await shot(page, 'set-password')

    // Nothing else is reachable until a password is set.
    await page.goto('/account')
    await expect(page).toHaveURL(/\/account\/set-password$/)

    const password = `Quick#${Date.now().toString(36).slice(-4)}1`
    await page.getByTestId('set-password-input').fill(password)
    await page.getByTestId('set-password-confirm-input').fill(password)
    const set = await apiAfter(page, 'POST', '/api/v1/me/password/initial', () =>
      page.getByTestId('set-password-submit').click(),
    )
    expect(set.status(), await bodyText(set)).toBe(204)
    await expect(page).toHaveURL(/\/account$/)
    await expect(page.getByTestId('account-phone')).toHaveText(`${phone.slice(0, 3)}****${phone.slice(-4)}`)
  })

  test('a wrong captcha is reported and replaced', async ({ page }) => {
    const firstId = await captchaAfter(page, () => page.goto('/login'))
    await page.getByTestId('login-identifier-input').fill('nobody_here')
    await page.getByTestId('login-password-input').fill('Whatever#123')
    await page.getByTestId('login-password-captcha-input').fill('wrong')
    let secondId = ''
    const res = await apiAfter(page, 'POST', '/api/v1/login/password', async () => {
      secondId = await captchaAfter(page, () => page.getByTestId('login-password-submit').click())
    })
    const problem = await expectProblemShown(page, res)
    expect(problem.code).toBe('captcha_wrong')
    expect(secondId).not.toBe(firstId)
    await expect(page.getByTestId('login-password-captcha-image')).toHaveAttribute('data-captcha-id', secondId)
    await shot(page, 'login-wrong-captcha')
  })

  test('a weak password is refused with the rule shown', async ({ page }) => {
    await fillRegisterPhoneStep(page, uniquePhone())
    await page.getByTestId('register-phone-submit').click()
    await expect(page.getByTestId('register-info-form')).toBeVisible()

    await page.getByTestId('register-login-name-input').fill(`weak${Date.now().toString(36)}`)
    await page.getByTestId('register-real-name-input').fill('李四')
    await page.getByTestId('register-email-input').fill(`weak${Date.now()}@example.com`)
    await page.getByTestId('register-password-input').fill('abcdefgh')
    await page.getByTestId('register-confirm-input').fill('abcdefgh')
    await page.getByTestId('register-submit').click()

    const rule = '密码须为 8–16 位，且至少包含大写字母、小写字母、数字、符号中的三种'
    await expect(page.locator('.el-form-item__error', { hasText: rule })).toBeVisible()
    await expect(page.getByTestId('password-rule')).toContainText('至少包含大写字母、小写字母、数字、符号中的三种')
    await expect(page).toHaveURL(/\/register$/)
    await shot(page, 'register-weak-password')
  })

  test('a phone number that is already registered is refused', async ({ page, request }) => {
    const existing = newUser()
    await registerViaApi(request, existing)

    const captchaId = await captchaAfter(page, () => page.goto('/register'))
    await page.getByTestId('register-phone-input').fill(existing.phone)
    await solveCaptcha(page, 'register-captcha', captchaId)
    const sent = await apiAfter(page, 'POST', '/api/v1/sms-codes', () =>
      page.getByTestId('register-sms-send-button').click(),
    )
    if (sent.ok()) {
      // The server may only tell at verification time (so as not to reveal registered numbers early).
      const code = await inboxCode(page.request, existing.phone, 'sms')
      await page.getByTestId('register-sms-code-input').fill(code)
      await page.getByTestId('register-agree-checkbox').click()
      const verified = await apiAfter(page, 'POST', '/api/v1/register/phone', () =>
        page.getByTestId('register-phone-submit').click(),
      )
      await expectProblemShown(page, verified)
    } else {
      await expectProblemShown(page, sent)
    }
    await expect(page.getByTestId('register-phone-form')).toBeVisible()
    await shot(page, 'register-phone-taken')
  })

  test('a forgotten password is reset by SMS code', async ({ page, request }) => {
    const user = newUser()
    await registerViaApi(request, user)
    const newPassword = `Reset#${user.password.slice(7, 11)}9`

    const captchaId = await captchaAfter(page, () => page.goto('/forgot-password'))
    await page.getByTestId('forgot-phone-input').fill(user.phone)
    await solveCaptcha(page, 'forgot-captcha', captchaId)
    const sent = await apiAfter(page, 'POST', '/api/v1/sms-codes', () =>
      captchaAfter(page, () => page.getByTestId('forgot-sms-send-button').click()),
    )
    expect(sent.ok(), await bodyText(sent)).toBe(true)
    await page.getByTestId('forgot-sms-code-input').fill(await inboxCode(page.request, user.phone, 'sms'))
    await page.getByTestId('forgot-password-input').fill(newPassword)
    await page.getByTestId('forgot-confirm-input').fill(newPassword)
    await shot(page, 'forgot-password')
    const reset = await apiAfter(page, 'POST', '/api/v1/password/reset', () => page.getByTestId('forgot-submit').click())
    expect(reset.status(), await bodyText(reset)).toBe(204)
    await expect(page).toHaveURL(/\/login$/)
    await expect(page.getByText('密码修改成功').first()).toBeVisible()

    await loginByPassword(page, user.phone, newPassword)
    await expect(page.getByTestId('account-phone')).toHaveText(`${user.phone.slice(0, 3)}****${user.phone.slice(-4)}`)
  })

  test('pages fit a phone screen, in Chinese and in English', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 })
    for (const [path, name] of [
      ['/', 'mobile-home'],
      ['/login', 'mobile-login'],
      ['/register', 'mobile-register'],
      ['/forgot-password', 'mobile-forgot-password'],
    ] as const) {
      await page.goto(path)
      await expect(page.getByTestId('lang-switch')).toBeVisible()
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0)
      await shot(page, name)
    }
    // The form fills the width of the screen.
    const form = await page.getByTestId('forgot-form').boundingBox()
    expect(form?.width ?? 0).toBeGreaterThan(300)

    // Switch to English; the choice survives a reload.
    await page.getByTestId('lang-switch').click()
    await page.getByTestId('lang-en').click()
    await expect(page.getByTestId('forgot-submit')).toHaveText('Reset password')
    await page.reload()
    await expect(page.getByTestId('forgot-submit')).toHaveText('Reset password')
    await expect(page.locator('html')).toHaveAttribute('lang', 'en')
    await shot(page, 'mobile-forgot-password-en')
  })

  // Runs last: it moves the sandbox clock forward for the rest of the run.
  test('an expired SMS code is refused', async ({ page }) => {
    await fillRegisterPhoneStep(page, uniquePhone())
    await advanceClock(400)
    const res = await apiAfter(page, 'POST', '/api/v1/register/phone', () =>
      page.getByTestId('register-phone-submit').click(),
    )
    await expectProblemShown(page, res)
    await expect(page.getByTestId('register-phone-form')).toBeVisible()
    await shot(page, 'register-expired-code')
  })
})

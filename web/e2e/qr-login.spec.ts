// QR login (SPEC ACC-7), handwriting capture (ES-14) and the phone pages (ES-16) at 390 px,
// against `signet serve --sandbox`: a PC context (1366 px) and a phone context (390 px).
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test'
import {
  apiAfter,
  bodyText,
  captchaAfter,
  expectPasswordsNotStored,
  newUser,
  realNameViaApi,
  registerViaApi,
  shot,
  solveCaptcha,
  type NewUser,
} from './helpers'

const PC = { width: 1366, height: 900 }
const PHONE = { width: 390, height: 844 }

async function pcContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: PC })
}

async function phoneContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: PHONE, deviceScaleFactor: 3, hasTouch: true })
}

/** Fails with the offenders when any visible element reaches past the viewport's width. */
async function expectNoOverflow(page: Page, what: string): Promise<void> {
  const found = await page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const offenders: string[] = []
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const rect = el.getBoundingClientRect()
      if (rect.width === 0 || rect.height === 0) continue
      const style = getComputedStyle(el)
      if (style.visibility === 'hidden' || style.display === 'none') continue
      if (rect.right > width + 1 || rect.left < -1) {
        offenders.push(`${el.tagName.toLowerCase()}.${String(el.className).split(' ').join('.')} [${Math.round(rect.left)}, ${Math.round(rect.right)}]`)
      }
    }
    return { width, scrollWidth: document.documentElement.scrollWidth, offenders }
  })
  expect(found.width, `${what}: the viewport`).toBe(PHONE.width)
  expect(found.offenders, `${what}: elements past ${found.width} px`).toEqual([])
  expect(found.scrollWidth, `${what}: no horizontal scrolling`).toBeLessThanOrEqual(found.width)
}

/** Password login on the login page showing captcha `captchaId`; stays where the login sends it. */
async function loginByPassword(page: Page, user: NewUser, captchaId: string): Promise<void> {
  await page.getByTestId('login-identifier-input').fill(user.loginName)
  await page.getByTestId('login-password-input').fill(user.password)
  await solveCaptcha(page, 'login-password-captcha', captchaId)
  const res = await apiAfter(page, 'POST', '/api/v1/login/password', () =>
    page.getByTestId('login-password-submit').click(),
  )
  expect(res.ok(), await bodyText(res)).toBe(true)
}

/** The QR code's link as the page encodes it. */
async function qrLink(page: Page, testid: string): Promise<string> {
  const code = page.getByTestId(testid)
  await expect(code).toBeVisible()
  const value = await code.getAttribute('data-value')
  expect(value, 'the QR code carries its link').toBeTruthy()
  return value as string
}

test.describe('QR login and the phone pages', () => {
  test('a signed-in phone confirms and the PC is signed in within 2 s, without reload', async ({ browser }) => {
    const user = newUser()
    const pc = await pcContext(browser)
    const handset = await phoneContext(browser)
    try {
      await registerViaApi(handset.request, user)
      await handset.request.post('/api/v1/logout', {
        headers: { 'X-CSRF-Token': ((await (await handset.request.get('/api/v1/session')).json()) as { csrf_token: string }).csrf_token },
      })

      const pcPage = await pc.newPage()
      await pcPage.goto('/login')
      const link = await qrLink(pcPage, 'qr-login-code')
      expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/m\/qr-login\/[0-9a-f]{64}$/)
      await expect(pcPage.getByTestId('qr-login')).toHaveAttribute('data-state', 'pending')
      await shot(pcPage, 'qr-login-pc-code')
      // Marks this page instance: a reload would lose it.
      await pcPage.evaluate(() => {
        ;(window as unknown as { signetMarker: number }).signetMarker = 42
      })

      // The phone opens the link signed out: it signs in on the phone login page and comes back.
      const phonePage = await handset.newPage()
      const captchaId = await captchaAfter(phonePage, () => phonePage.goto(link))
      await expect(phonePage).toHaveURL(/\/login\?redirect=/)
      await expectNoOverflow(phonePage, 'phone login')
      await shot(phonePage, 'qr-login-phone-login-390')
      await loginByPassword(phonePage, user, captchaId)
      await expect(phonePage).toHaveURL(/\/m\/qr-login\//)
      await expect(phonePage.getByTestId('qr-confirm-browser')).toContainText('Chrome')
      await expect(phonePage.getByTestId('qr-confirm-ip')).toHaveText('127.0.*.*')
      await expect(phonePage.getByTestId('qr-confirm-account')).toHaveText(user.loginName)
      await expectNoOverflow(phonePage, 'QR confirmation')
      await shot(phonePage, 'qr-login-phone-confirm-390')

      await phonePage.getByTestId('qr-confirm-button').click()
      const confirmedAt = Date.now()
      await expect(phonePage.getByTestId('qr-confirm-done')).toBeVisible()
      await pcPage.waitForURL(/\/account$/, { timeout: 2_000 })
      expect(Date.now() - confirmedAt, 'the PC learnt it within two seconds').toBeLessThan(2_000)
      expect(await pcPage.evaluate(() => (window as unknown as { signetMarker?: number }).signetMarker)).toBe(42)
      await expect(pcPage.getByTestId('account-login-name')).toHaveText(user.loginName)
      await shot(pcPage, 'qr-login-pc-signed-in')

      // The code worked once: opening it again on the phone says so.
      await phonePage.goto(link)
      await expect(phonePage.getByTestId('qr-confirm-failed')).toContainText('已被使用')
    } finally {
      await pc.close()
      await handset.close()
    }
  })

  test('a refusal on the phone leaves the PC signed out', async ({ browser }) => {
    const user = newUser()
    const pc = await pcContext(browser)
    const handset = await phoneContext(browser)
    try {
      await registerViaApi(handset.request, user)
      const pcPage = await pc.newPage()
      await pcPage.goto('/login')
      const link = await qrLink(pcPage, 'qr-login-code')
      const phonePage = await handset.newPage()
      await phonePage.goto(link)
      await phonePage.getByTestId('qr-refuse-button').click()
      await expect(phonePage.getByTestId('qr-confirm-refused')).toBeVisible()
      await expect(pcPage.getByTestId('qr-login')).toHaveAttribute('data-state', 'refused', { timeout: 2_000 })
      await expect(pcPage.getByTestId('qr-login-status')).toHaveText('已在手机上拒绝登录')
      await expect(pcPage).toHaveURL(/\/login$/)
      // A fresh code replaces the spent one.
      await pcPage.getByTestId('qr-login-refresh').click()
      await expect(pcPage.getByTestId('qr-login')).toHaveAttribute('data-state', 'pending')
      expect(await qrLink(pcPage, 'qr-login-code')).not.toBe(link)
    } finally {
      await pc.close()
      await handset.close()
    }
  })

  test('a handwriting drawn at 390 px appears on the PC page without reload', async ({ browser }) => {
    const user = newUser()
    const pc = await pcContext(browser)
    const handset = await phoneContext(browser)
    try {
      const pcPage = await pc.newPage()
      await registerViaApi(pc.request, user)
      // A handwritten signature is a personal seal: only a real-named person holds one.
      await realNameViaApi(pc.request, user.realName)
      await pcPage.goto('/account')
      const capture = pcPage.getByTestId('handwriting-capture')
      await capture.getByTestId('handwriting-add').click()
      const link = await qrLink(pcPage, 'handwriting-qr')
      expect(link).toMatch(/\/m\/handwriting\/[0-9a-f]{64}$/)
      await pcPage.evaluate(() => {
        ;(window as unknown as { signetMarker: number }).signetMarker = 7
      })
      await shot(pcPage, 'handwriting-pc-code')

      // The phone needs no session: the link is its credential.
      const phonePage = await handset.newPage()
      await phonePage.goto(link)
      const canvas = phonePage.getByTestId('handwriting-canvas')
      await expect(canvas).toBeVisible()
      await expectNoOverflow(phonePage, 'handwriting pad')
      // Submitting nothing is refused on the page.
      await phonePage.getByTestId('handwriting-submit').click()
      await expect(phonePage.getByText('请先书写签名再提交')).toBeVisible()
      const box = await canvas.boundingBox()
      if (!box) throw new Error('canvas has no box')
      // Two strokes and an undo of a third, drawn with the mouse.
      const strokes: Array<Array<[number, number]>> = [
        [[0.15, 0.6], [0.25, 0.3], [0.35, 0.7], [0.45, 0.35]],
        [[0.55, 0.4], [0.65, 0.65], [0.8, 0.45]],
        [[0.1, 0.1], [0.9, 0.9]],
      ]
      for (const stroke of strokes) {
        const [first, ...rest] = stroke
        if (!first) continue
        await phonePage.mouse.move(box.x + first[0] * box.width, box.y + first[1] * box.height)
        await phonePage.mouse.down()
        for (const [x, y] of rest) {
          await phonePage.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 8 })
        }
        await phonePage.mouse.up()
      }
      await expect(canvas).toHaveAttribute('data-strokes', '3')
      await phonePage.getByTestId('handwriting-undo').click()
      await expect(canvas).toHaveAttribute('data-strokes', '2')
      await shot(phonePage, 'handwriting-phone-pad-390')
      const sent = await apiAfter(phonePage, 'POST', new URL(link).pathname.replace('/m/handwriting/', '/api/v1/handwriting-captures/'), () =>
        phonePage.getByTestId('handwriting-submit').click(),
      )
      expect(sent.status(), await bodyText(sent)).toBe(201)
      await expect(phonePage.getByTestId('handwriting-done')).toBeVisible()
      await shot(phonePage, 'handwriting-phone-done-390')

      const image = capture.getByTestId('handwriting-image')
      await expect(image).toBeVisible({ timeout: 2_000 })
      await expect
        .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBeGreaterThan(0)
      // Trimmed to the ink: much smaller than the phone's canvas.
      const natural = await image.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])
      expect(natural[0]).toBeLessThan(box.width * 3)
      expect(natural[1]).toBeLessThan(box.height * 3)
      expect(await pcPage.evaluate(() => (window as unknown as { signetMarker?: number }).signetMarker)).toBe(7)
      await shot(pcPage, 'handwriting-pc-shown')

      // Opened again after the submission: a clear refusal.
      await phonePage.goto(link)
      await expect(phonePage.getByTestId('handwriting-failed')).toContainText('手写签名已提交，该链接已失效')
      await expectNoOverflow(phonePage, 'handwriting refusal')
    } finally {
      await pc.close()
      await handset.close()
    }
  })

  test('login (password, SMS), registration and password reset fit a 390 px screen', async ({ browser }) => {
    const handset = await phoneContext(browser)
    try {
      const page = await handset.newPage()
      await captchaAfter(page, () => page.goto('/login'))
      await expect(page.getByTestId('login-password-form')).toBeVisible()
      await expect(page.getByTestId('qr-login'), 'no QR code to scan on the phone itself').toHaveCount(0)
      await expectPasswordsNotStored(page)
      await expectNoOverflow(page, 'login by password')
      await shot(page, 'phone-login-password-390')
      await captchaAfter(page, () => page.getByTestId('login-tab-sms').click())
      await expect(page.getByTestId('login-sms-form')).toBeVisible()
      await expectNoOverflow(page, 'login by SMS')
      await shot(page, 'phone-login-sms-390')
      await captchaAfter(page, () => page.goto('/register'))
      await expect(page.getByTestId('register-phone-input')).toBeVisible()
      await expectNoOverflow(page, 'registration')
      await shot(page, 'phone-register-390')
      await captchaAfter(page, () => page.goto('/forgot-password'))
      await expectNoOverflow(page, 'forgotten password')
      await shot(page, 'phone-forgot-password-390')
    } finally {
      await handset.close()
    }
  })
})

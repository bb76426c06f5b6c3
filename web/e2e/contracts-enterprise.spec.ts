// E-contract platform, part 1 (issue 14): a person registers, passes real-name authentication on
// a phone-sized page, certifies an enterprise (the desk order walked through its API, which the
// desk spec covers screen by screen; staff approves in the console), and after logging in again
// lands in the enterprise's space. Screenshots at 1366 and 390 px.
import { expect, test, type Page } from '@playwright/test'
import { creditCode, idNumber, submitOrder } from './contractsFixture'
import { apiAfter, bodyText, captchaAfter, DEMO_STAFF, loginViaApi, newUser, registerViaApi, shot, solveCaptcha } from './helpers'

const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('')

const DESKTOP = { width: 1366, height: 900 }
const PHONE = { width: 390, height: 844 }

async function approveInConsole(staff: Page, orderNumber: string): Promise<void> {
  await staff.goto('/staff')
  await staff.getByTestId(`staff-order-${orderNumber}`).click()
  await expect(staff.getByTestId('staff-order-state')).toHaveAttribute('data-state', 'awaiting_review')
  await shot(staff, 'ec-staff-order')
  await staff.getByTestId('staff-approve').click()
  const approved = await apiAfter(staff, 'POST', new URL(staff.url()).pathname.replace('/staff/orders/', '/api/v1/staff/orders/') + '/approve', () =>
    staff.locator('.el-message-box').getByRole('button', { name: '确定' }).click(),
  )
  expect(approved.ok(), await bodyText(approved)).toBe(true)
  await expect(staff.getByTestId('staff-order-state')).toHaveAttribute('data-state', 'completed')
}

test('a person is real-named, certifies an enterprise and lands in its space', async ({ page, browser }) => {
  test.setTimeout(180_000)
  const user = newUser()
  await registerViaApi(page.request, user)
  const company = { name: `豫云签测试${digits(4)}有限公司`, code: creditCode(), repPhone: `137${digits(8).replace(/0000$/, '1234')}` }

  // Real-name authentication on a phone-sized page.
  await page.setViewportSize(PHONE)
  await page.goto('/contracts/real-name')
  await expect(page.getByTestId('real-name-page')).toBeVisible()
  await page.getByTestId('real-name-name').fill('张三')
  await page.getByTestId('real-name-id').fill(idNumber())
  await page.getByTestId('real-name-method-carrier3').click()
  await page.getByTestId('real-name-text-privacy').click()
  await page.getByTestId('real-name-text-close').click()
  await shot(page, 'ec-real-name-390')
  const passed = await apiAfter(page, 'POST', '/api/v1/me/real-name', () => page.getByTestId('real-name-submit').click())
  expect(passed.ok(), await bodyText(passed)).toBe(true)
  await expect(page.getByTestId('real-name-done')).toBeVisible()
  await shot(page, 'ec-real-name-done-390')

  // Certify an enterprise (desktop): the entry form, then the desk's wizard.
  await page.setViewportSize(DESKTOP)
  await page.goto('/contracts/enterprises')
  await page.getByTestId('enterprises-certify').click()
  await page.getByTestId('certify-name').fill(company.name)
  await page.getByTestId('certify-credit-code').fill(company.code)
  await page.getByTestId('certify-legal-rep').fill('王法人')
  await page.getByTestId('certify-legal-rep-id').fill(idNumber('19700101'))
  await page.getByTestId('certify-legal-rep-phone').fill(company.repPhone)
  await shot(page, 'ec-certify-1366')
  const created = await apiAfter(page, 'POST', '/api/v1/enterprises', () => page.getByTestId('certify-submit').click())
  expect(created.status(), await bodyText(created)).toBe(201)
  const enterprise = (await created.json()) as { id: string; order_id: string; order_number: string }
  await expect(page).toHaveURL(new RegExp(`/orders/${enterprise.order_id}$`))
  await submitOrder(page.request, enterprise.order_id, user.phone, company.repPhone)
  await page.goto('/contracts/enterprises')
  await expect(page.getByTestId(`enterprise-state-${company.code}`)).toHaveText('认证中')
  await shot(page, 'ec-certifying-1366')

  // Staff approves in the console; the enterprise is certified.
  const use = test.info().project.use
  const staffContext = await browser.newContext({ baseURL: use.baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  await loginViaApi(staffContext.request, DEMO_STAFF.login, DEMO_STAFF.password)
  await approveInConsole(await staffContext.newPage(), enterprise.order_number)
  await staffContext.close()
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/enterprises/${enterprise.id}`)).json()) as { state: string }).state, {
      timeout: 15_000,
    })
    .toBe('certified')

  // Log in again: the administrator lands in the enterprise's space.
  await apiAfter(page, 'POST', '/api/v1/logout', () => page.getByTestId('logout-button').click())
  const captchaId = await captchaAfter(page, () => page.goto('/login'))
  await page.getByTestId('login-identifier-input').fill(user.loginName)
  await page.getByTestId('login-password-input').fill(user.password)
  await solveCaptcha(page, 'login-password-captcha', captchaId)
  await apiAfter(page, 'POST', '/api/v1/login/password', () => page.getByTestId('login-password-submit').click())
  await expect(page).toHaveURL(new RegExp(`/contracts/enterprises/${enterprise.id}$`))
  await expect(page.getByTestId('enterprise-name')).toHaveText(company.name)
  await expect(page.getByTestId('enterprise-state')).toHaveText('已认证')
  await expect(page.getByTestId('space-current')).toContainText(company.name)
  await shot(page, 'ec-enterprise-space-1366')
  await page.setViewportSize(PHONE)
  await shot(page, 'ec-enterprise-space-390')

  // The switcher goes back to the personal space.
  await page.setViewportSize(DESKTOP)
  await page.getByTestId('space-current').click()
  await page.getByTestId('space-personal').click()
  await expect(page).toHaveURL(/\/contracts\/enterprises$/)
  await expect(page.getByTestId(`enterprise-state-${company.code}`)).toHaveText('已认证')
})

// E-contract members (seed 004 §2.2.4, §2.7.1–2.7.2, §2.8, §2.9.3): a person real-named through
// the API finds the demo enterprise of `signet init --demo` and asks to join; its administrator
// `ecadmin` approves with a business type and the company seal; the member list, the seal log and
// "my joined enterprises" show it, on a desktop and on a 390-px-wide phone. Each test acts on its
// own request (found by its reason) and leaves no request pending, so the specs sharing the demo
// enterprise do not see each other.
import { expect, test, type Browser, type Page } from '@playwright/test'
import { DEMO_ENTERPRISE, demoEnterpriseId, realNameViaApi } from './contractsFixture'
import { loginViaApi, newUser, registerViaApi, shot, uniqueSuffix, type NewUser } from './helpers'

async function signedInPage(browser: Browser, user: NewUser, width = 1280): Promise<{ page: Page; id: string }> {
  const context = await browser.newContext({
    baseURL: test.info().project.use.baseURL,
    viewport: { width, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
  const page = await context.newPage()
  if (user.loginName === DEMO_ENTERPRISE.admin.login) {
    await loginViaApi(page.request, user.loginName, user.password)
  } else {
    await registerViaApi(page.request, user)
    await loginViaApi(page.request, user.loginName, user.password)
  }
  const session = (await (await page.request.get('/api/v1/session')).json()) as { user: { id: string } }
  return { page, id: session.user.id }
}

/** The demo enterprise's administrator, signed in on a page of its own. */
async function demoAdmin(browser: Browser): Promise<{ page: Page; id: string; enterpriseId: string }> {
  const admin = await signedInPage(browser, {
    ...newUser(),
    loginName: DEMO_ENTERPRISE.admin.login,
    password: DEMO_ENTERPRISE.admin.password,
  })
  return { ...admin, enterpriseId: await demoEnterpriseId(admin.page.request) }
}

test('a person joins a certified enterprise and is granted the company seal', async ({ browser }) => {
  const applicantUser = { ...newUser(), realName: '李四' }
  const admin = await demoAdmin(browser)
  const applicant = await signedInPage(browser, applicantUser)
  await realNameViaApi(applicant.page.request, '李四')
  const enterprise = { id: admin.enterpriseId, ...DEMO_ENTERPRISE }
  const reason = `人事部新同事，负责劳动合同（${uniqueSuffix()}）`

  // The applicant searches by name and asks to join.
  const page = applicant.page
  await page.goto('/contracts/join')
  await page.getByTestId('join-query').fill('豫云签演示')
  await page.getByTestId('join-search').click()
  await expect(page.getByTestId('join-results')).toContainText(enterprise.name)
  await page.getByTestId(`join-apply-${enterprise.creditCode}`).click()
  await page.getByTestId('join-reason').fill(reason)
  await shot(page, 'members-join-request')
  await page.getByTestId('join-submit').click()
  await expect(page).toHaveURL(/\/contracts\/joined$/)
  await expect(page.getByTestId(`joined-state-${enterprise.creditCode}`)).toHaveText('待审核')
  await shot(page, 'members-joined-pending')

  // The administrator approves with 劳动合同 and the company seal.
  const adminPage = admin.page
  await adminPage.goto(`/contracts/enterprises/${enterprise.id}/members`)
  const requests = adminPage.getByTestId('requests-table')
  const request = requests.locator('tr', { hasText: reason })
  await expect(request).toContainText('李*')
  await request.getByRole('button', { name: '通过' }).click()
  await adminPage.getByTestId('grant-type-labour').click()
  await adminPage.getByTestId('grant-seal-company').click()
  await shot(adminPage, 'members-approve-dialog')
  await adminPage.getByTestId('approve-submit').click()
  await expect(adminPage.locator('.el-message--success')).toBeVisible()
  await expect(requests).not.toContainText(reason)

  await adminPage.getByRole('tab', { name: '成员列表' }).click()
  const list = adminPage.getByTestId('members-table')
  await expect(list).toContainText('劳动合同')
  await expect(list).toContainText('公章')
  await expect(list).toContainText('管理员')
  // The demo's own members are there too: the delegate and a member.
  await expect(list).toContainText('钱*理')
  await expect(list).toContainText('孙*员')
  await expect(list).not.toContainText(applicantUser.phone)
  await shot(adminPage, 'members-list')

  await adminPage.getByRole('tab', { name: '日志' }).click()
  const log = adminPage.getByTestId('log-table')
  await expect(log).toContainText('印章授权')
  await expect(log).toContainText('公章')
  await shot(adminPage, 'members-seal-log')

  // The member sees the enterprise as joined, on a phone-sized screen too.
  await page.reload()
  await expect(page.getByTestId(`joined-state-${enterprise.creditCode}`)).toHaveText('已加入')
  await page.setViewportSize({ width: 390, height: 844 })
  await expect(page.getByTestId('joined-table')).toContainText(enterprise.name)
  await shot(page, 'members-joined-390')
})

test('joining twice and a member managing are refused with a clear message', async ({ browser }) => {
  const memberUser = newUser()
  const admin = await demoAdmin(browser)
  const member = await signedInPage(browser, memberUser)
  await realNameViaApi(member.page.request, '李四')
  const enterprise = { id: admin.enterpriseId, ...DEMO_ENTERPRISE }

  const page = member.page
  await page.goto('/contracts/join')
  await page.getByTestId('join-query').fill(enterprise.creditCode)
  await page.getByTestId('join-search').click()
  await page.getByTestId(`join-apply-${enterprise.creditCode}`).click()
  await page.getByTestId('join-reason').fill('入职')
  await page.getByTestId('join-submit').click()
  await expect(page).toHaveURL(/\/contracts\/joined$/)

  // Asking again through the API: the conflict is explained in Chinese and English.
  const token = ((await (await page.request.get('/api/v1/session')).json()) as { csrf_token: string }).csrf_token
  const again = await page.request.post(`/api/v1/enterprises/${enterprise.id}/join-requests`, {
    headers: { 'X-CSRF-Token': token },
    data: { reason: '再次申请' },
  })
  expect(again.status()).toBe(409)
  const body = (await again.json()) as { code: string; message: Record<string, string> }
  expect(body.code).toBe('join_pending')
  expect(body.message['zh-CN']).toContain('审核中')

  // A person who is not a delegate opening the management page sees the refusal.
  await page.goto(`/contracts/enterprises/${enterprise.id}/members`)
  await expect(page.locator('.api-error-message').first()).toBeVisible()
  await shot(page, 'members-refused')

  // The request is withdrawn: the demo enterprise has nothing pending from this test.
  await page.request.post(`/api/v1/enterprises/${enterprise.id}/membership/withdraw`, {
    headers: { 'X-CSRF-Token': ((await (await page.request.get('/api/v1/session')).json()) as { csrf_token: string }).csrf_token },
  })
  const pending = (await (await admin.page.request.get(`/api/v1/enterprises/${enterprise.id}/join-requests`)).json()) as { user_id: string }[]
  expect(pending.map((r) => r.user_id)).not.toContain(member.id)
})

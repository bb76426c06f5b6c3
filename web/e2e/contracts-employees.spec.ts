// ES-6 employees: an administrator onboards two employees (one entered, one by Excel), each fills
// the data form on a 390-px phone page from the SMS link, the administrator approves both.
//
// The enterprise is a fresh one, certified through the real API (real-name authentication, the
// desk order, staff approval), so its directory and roster hold only this test's people; the
// demo enterprise of `signet init --demo` is shared by the other e-contract specs.
import { expect, test, request as playwrightRequest, type APIRequestContext, type Browser } from '@playwright/test'
import { certifiedViaApi, realNameViaApi } from './contractsFixture'
import { type InboxItem, newUser, registerViaApi, shot } from './helpers'
import { xlsx } from './xlsx'

/** A valid ID number (GB 11643 check character) from a sequence number. */
function idNumber(n: number): string {
  const first17 = `11010519900101${String(n).padStart(3, '0')}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...first17].reduce((acc, digit, i) => acc + Number(digit) * weights[i]!, 0)
  return first17 + '10X98765432'[sum % 11]
}

/** The form link's token in the newest SMS to `phone`. */
async function formToken(request: APIRequestContext, phone: string): Promise<string> {
  let token = ''
  await expect
    .poll(async () => {
      const res = await request.get(`/dev/inbox?to=${phone}`, { headers: { Accept: 'application/json' } })
      const items = (await res.json()) as InboxItem[]
      token = items.map((i) => /\/m\/employee\/([0-9a-f]{64})/.exec(i.body ?? '')?.[1]).find(Boolean) ?? ''
      return token
    })
    .toBeTruthy()
  return token
}

/** The employee opens the SMS link on a 390-px phone and fills in the form. */
async function fillOnPhone(browser: Browser, baseURL: string, token: string, n: number, name: string): Promise<void> {
  const phone = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true })
  const page = await phone.newPage()
  await page.goto(`/m/employee/${token}`)
  await expect(page.getByText('豫云示范科技有限公司 邀请您完成入职信息采集')).toBeVisible()
  await expect(page.getByTestId('form-name')).toHaveValue(name)
  await page.getByTestId('form-id_number').fill(idNumber(n))
  await page.getByTestId('form-gender').getByText('女').click()
  const date = page.locator('[data-testid="form-hire_date"] input, input[data-testid="form-hire_date"]').first()
  await date.fill('2026-12-01')
  await date.press('Enter')
  await page.getByTestId('form-position').fill('会计')
  await page.getByTestId('form-bank_card').fill('4111111111111111')
  await page.getByTestId('form-bank_name').fill('中国银行郑州分行')
  await shot(page, `employee-${n}-form-390`)
  // The page fits the phone: nothing wider than the screen.
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  expect(width).toBeLessThanOrEqual(390)
  await page.getByTestId('employee-form-submit').click()
  await expect(page.getByTestId('employee-form-done')).toBeVisible()
  await shot(page, `employee-${n}-submitted-390`)
  await phone.close()
}

test('an administrator onboards two employees (one by Excel) who fill their data on a phone', async ({ page, browser, baseURL }) => {
  await page.setViewportSize({ width: 1366, height: 900 })
  test.setTimeout(180_000)
  const admin = newUser()
  await registerViaApi(page.request, admin)
  await realNameViaApi(page.request, '王管理')
  const staff = await playwrightRequest.newContext({ baseURL: baseURL! })
  const enterprise = await certifiedViaApi(page.request, staff, admin.phone, '豫云示范科技有限公司')
  await staff.dispose()

  // The directory first: a department to onboard into.
  await page.goto(`/enterprises/${enterprise}/employees?tab=directory`)
  await page.getByTestId('department-add').click()
  await page.getByTestId('department-name').fill('财务部')
  await page.getByTestId('department-save').click()
  await expect(page.getByTestId('department-财务部')).toBeVisible()
  await shot(page, 'employees-directory-1366')

  // One employee entered by hand …
  await page.getByRole('tab', { name: '入职管理' }).click()
  const first = { name: '张三', phone: `138${String(Date.now() % 1e8).padStart(8, '0')}` }
  await page.getByTestId('onboard-single').click()
  await page.getByTestId('single-name').fill(first.name)
  await page.getByTestId('single-phone').fill(first.phone)
  await page.getByTestId('single-department').click()
  await page.getByRole('option', { name: '财务部' }).click()
  await page.getByTestId('single-save').click()
  await expect(page.getByTestId(`state-${first.name}`)).toHaveText('待采集')

  // … one by Excel: a file with a bad row is refused with the row's error, then the good one.
  const second = { name: '李四', phone: `137${String(Date.now() % 1e8).padStart(8, '0')}` }
  const header = ['姓名', '手机号', '身份证号', '部门']
  await page.getByTestId('onboard-batch').click()
  await page.getByTestId('batch-file').setInputFiles({
    name: 'employees.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx([header, [second.name, second.phone, `${idNumber(2).slice(0, 17)}0`, '财务部']]),
  })
  await expect(page.getByTestId('batch-errors')).toContainText('校验码')
  await shot(page, 'employees-excel-errors-1366')
  await page.getByTestId('batch-file').setInputFiles({
    name: 'employees.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx([header, [`\u3000${second.name}`, second.phone, '', '财务部']]),
  })
  await expect(page.getByTestId(`state-${second.name}`)).toHaveText('待采集')
  await shot(page, 'employees-onboarding-invited-1366')

  // Each fills the form on the phone from the SMS link.
  await fillOnPhone(browser, baseURL!, await formToken(page.request, first.phone), 1, first.name)
  await fillOnPhone(browser, baseURL!, await formToken(page.request, second.phone), 2, second.name)

  // The administrator approves both.
  // The page was opened on the directory tab (`?tab=directory`): back to onboarding after the reload.
  await page.reload()
  await page.getByRole('tab', { name: '入职管理' }).click()
  await expect(page.getByTestId(`state-${first.name}`)).toHaveText('待审核')
  await shot(page, 'employees-onboarding-submitted-1366')
  for (const who of [first, second]) {
    await page.getByTestId(`approve-${who.name}`).click()
    await expect(page.getByTestId(`state-${who.name}`)).toHaveCount(0)
  }
  await page.getByRole('tab', { name: '员工花名册' }).click()
  const roster = page.getByRole('tabpanel', { name: '员工花名册' }).getByTestId('roster-table')
  await expect(roster).toContainText(first.name)
  await expect(roster).toContainText(second.name)
  await expect(roster).toContainText('2026-12-01')
  await expect(roster).toContainText('****')
  await shot(page, 'employees-roster-1366')
})

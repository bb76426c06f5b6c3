// Launching contracts from the browser (ES-7, §2.5.1.1): the demo enterprise's administrator
// publishes a labour template (through the API), opens 发起签署 from the template list, and
// launches in bulk from Excel. The first upload has one row whose ID number has a wrong check
// digit: the page names that row and column and launches nothing; the corrected file passes, is
// launched as a background job with its progress shown, and the contract appears in 我发起的.
// Then one contract is launched by form. The person is a new user, real-named through the API.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import { demoEnterpriseId, labourTypeId } from './contractsFixture'
import { apiJson, csrfToken, freshIdNumber, newUser, realNameViaApi, registerViaApi, shot, uniqueSuffix } from './helpers'
import { xlsx } from './xlsx'

const here = path.dirname(fileURLToPath(import.meta.url))
const PDF = readFileSync(path.join(here, '..', '..', 'crates', 'pdf', 'tests', 'fixtures', 'libreoffice-contract2.pdf'))
/** The labour business type's required fields, then party B's mobile column (the workbook's header). */
const HEADER = ['姓名', '身份证号', '岗位', '月工资', '合同开始日期', '合同结束日期', '乙方（劳动者）手机号']
const KINDS: Record<string, string> = { 身份证号: 'id_number', 月工资: 'number', 合同开始日期: 'date', 合同结束日期: 'date' }

/** A two-page labour template laid out like the server tests' (`full_layout`). */
function layout() {
  const fields = HEADER.slice(0, 6).map((key, i) => ({
    key,
    kind: KINDS[key] ?? 'text',
    placements: [{ page: 1, x: 300, y: 120 + 30 * i, w: 200, h: 20 }],
  }))
  return {
    roles: [
      { key: 'A', kind: 'enterprise', name: '甲方（用人单位）' },
      { key: 'B', kind: 'person', name: '乙方（劳动者）' },
    ],
    fields,
    signing: [
      { id: 'a-company', role: 'A', kind: 'company', page: 2, x: 100, y: 700, w: 120, h: 120 },
      { id: 'b-hand', role: 'B', kind: 'handwriting', page: 2, x: 350, y: 700, w: 120, h: 60 },
      { id: 'b-date', role: 'B', kind: 'sign_date', page: 2, x: 350, y: 770, w: 120, h: 20 },
    ],
  }
}

/** The check digit of a valid ID number changed, so the row is refused. */
function wrongCheckDigit(id: string): string {
  const last = id.slice(-1)
  return id.slice(0, -1) + (last === '1' ? '2' : '1')
}

test('a bulk launch from Excel with one bad row is shown, fixed and launched; then one by form', async ({ page, browser }) => {
  test.setTimeout(180_000)
  // The employee: registered and real-named, so their rows can pass.
  const personContext = await browser.newContext()
  const person = personContext.request
  const user = newUser()
  user.realName = '王小明'
  const id = freshIdNumber()
  await registerViaApi(person, user)
  await realNameViaApi(person, user.realName, id)

  // The administrator publishes a labour template of its own.
  const enterprise = await demoEnterpriseId(page.request)
  const labour = await labourTypeId(page.request, enterprise)
  const name = `劳动合同（批量发起 ${uniqueSuffix()}）`
  const uploaded = await page.request.post(`/api/v1/enterprises/${enterprise}/templates`, {
    headers: { 'X-CSRF-Token': await csrfToken(page.request) },
    multipart: { name, business_type_id: labour, file: { name: 'contract.pdf', mimeType: 'application/pdf', buffer: PDF } },
  })
  expect(uploaded.status(), await uploaded.text()).toBe(201)
  const template = ((await uploaded.json()) as { id: string }).id
  await apiJson(page.request, 'PUT', `/api/v1/enterprises/${enterprise}/templates/${template}/draft`, layout())
  await apiJson(page.request, 'POST', `/api/v1/enterprises/${enterprise}/templates/${template}/publish`)

  // From the template list to the launch page, the template chosen.
  await page.goto(`/enterprises/${enterprise}/templates`)
  await page.getByTestId(`template-launch-${template}`).click()
  await expect(page.getByTestId('launch-page')).toBeVisible()
  await expect(page.getByTestId('launch-templates')).toContainText(name)
  await expect(page.getByTestId('launch-quota')).toContainText('合同余量')
  await expect(page.getByTestId('launch-parties')).toContainText('乙方（劳动者）')
  await page.getByTestId('launch-title').fill('劳动合同（{姓名}）')
  await page.getByTestId('launch-mode').getByText('Excel 批量发起').click()
  await expect(page.getByTestId('launch-parties')).toContainText('由 Excel 每行的手机号列指定')
  await expect(page.getByTestId('launch-workbook')).toHaveAttribute('href', /bulk-launches\/workbook/)

  const good = [user.realName, id, '焊工', '8000', '2026-01-05', '2029-01-04', user.phone]
  const bad = [user.realName, wrongCheckDigit(id), '焊工', '8000', '2026-01-05', '2029-01-04', user.phone]
  await page.getByTestId('launch-file').setInputFiles({
    name: 'rows.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx([HEADER, good, bad]),
  })
  await expect(page.getByTestId('launch-summary')).toContainText('1 行通过校验，1 行未通过')
  await expect(page.getByTestId('launch-row-state-3')).toContainText('未通过')
  await expect(page.getByTestId('launch-row-error-3').first()).toContainText('身份证号')
  await expect(page.getByTestId('launch-row-state-2')).toContainText('通过')
  await expect(page.getByTestId('launch-preview-2')).toHaveAttribute('href', /rows\/2\/pdf/)
  await expect(page.getByTestId('launch-some-failed')).toBeVisible()
  await shot(page, 'launch-excel-bad-row')
  // Nothing launches from a file with a refused row unless the valid rows alone are chosen.
  await page.getByTestId('launch-valid-only').click()
  await expect(page.getByTestId('launch-start')).toBeDisabled()

  // The corrected file passes and is launched as a job.
  await page.getByTestId('launch-file').setInputFiles({
    name: 'rows.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: xlsx([HEADER, good]),
  })
  await expect(page.getByTestId('launch-summary')).toContainText('1 行通过校验，0 行未通过')
  await page.getByTestId('launch-start').click()
  await expect(page.getByTestId('launch-done')).toContainText('成功 1 份', { timeout: 60_000 })
  await expect(page.getByTestId('launch-row-state-2')).toContainText('已发起')
  await shot(page, 'launch-excel-done')
  await page.getByTestId('launch-to-list').click()
  await expect(page.locator('body')).toContainText(`劳动合同（${user.realName}）`)

  // One contract by form: the same template, the employee's mobile, the fields typed in.
  await page.goto(`/enterprises/${enterprise}/launch?template=${template}`)
  await expect(page.getByTestId('launch-templates')).toContainText(name)
  await page.getByTestId('launch-title').fill(`劳动合同（单份 ${user.realName}）`)
  await page.getByTestId('launch-phone-B').fill(user.phone)
  const values: Record<string, string> = { 姓名: user.realName, 身份证号: id, 岗位: '焊工', 月工资: '8000', 合同开始日期: '2026-01-05', 合同结束日期: '2029-01-04' }
  for (const [key, value] of Object.entries(values)) await page.getByTestId(`launch-field-${key}`).fill(value)
  await shot(page, 'launch-form')
  await page.getByTestId('launch-submit').click()
  await expect(page).toHaveURL(/\/contracts\/tasks\/[^/]+$/)
  await expect(page.locator('body')).toContainText(`劳动合同（单份 ${user.realName}）`)
  await personContext.close()
})

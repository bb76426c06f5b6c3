// Frequent contacts (常用联系人, ES-7 §2.5.1.1.3) in the browser: the demo enterprise's
// administrator adds a real-named person on the contacts page (the list shows the mobile masked,
// never in full), picks them on the launch page with 从常用联系人添加 (the party row shows the name
// and masked mobile) and launches one contract by form; a mobile typed into a party row is saved
// with 保存为常用联系人 (the same mobile updates the entry); the contact is deleted.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import { demoEnterpriseId, labourTypeId } from './contractsFixture'
import { apiJson, csrfToken, freshIdNumber, newUser, realNameViaApi, registerViaApi, shot, uniqueSuffix } from './helpers'

const here = path.dirname(fileURLToPath(import.meta.url))
const PDF = readFileSync(path.join(here, '..', '..', 'crates', 'pdf', 'tests', 'fixtures', 'libreoffice-contract2.pdf'))
const FIELDS = ['姓名', '身份证号', '岗位', '月工资', '合同开始日期', '合同结束日期']
const KINDS: Record<string, string> = { 身份证号: 'id_number', 月工资: 'number', 合同开始日期: 'date', 合同结束日期: 'date' }

function layout() {
  return {
    roles: [
      { key: 'A', kind: 'enterprise', name: '甲方（用人单位）' },
      { key: 'B', kind: 'person', name: '乙方（劳动者）' },
    ],
    fields: FIELDS.map((key, i) => ({
      key,
      kind: KINDS[key] ?? 'text',
      placements: [{ page: 1, x: 300, y: 120 + 30 * i, w: 200, h: 20 }],
    })),
    signing: [
      { id: 'a-company', role: 'A', kind: 'company', page: 2, x: 100, y: 700, w: 120, h: 120 },
      { id: 'b-hand', role: 'B', kind: 'handwriting', page: 2, x: 350, y: 700, w: 120, h: 60 },
    ],
  }
}

test('a frequent contact is added, picked on the launch page, launched to, saved from a row and deleted', async ({ page, browser }) => {
  test.setTimeout(120_000)
  const personContext = await browser.newContext()
  const user = newUser()
  const digitsZh = (text: string): string => text.replace(/\d/g, (d) => '零一二三四五六七八九'[Number(d)] ?? '')
  user.realName = `常联${digitsZh(String(Date.now()).slice(-4))}`
  const id = freshIdNumber()
  await registerViaApi(personContext.request, user)
  await realNameViaApi(personContext.request, user.realName, id)
  const masked = `${user.phone.slice(0, 3)}****${user.phone.slice(7)}`

  const enterprise = await demoEnterpriseId(page.request)
  const labour = await labourTypeId(page.request, enterprise)
  const name = `劳动合同（常用联系人 ${uniqueSuffix()}）`
  const uploaded = await page.request.post(`/api/v1/enterprises/${enterprise}/templates`, {
    headers: { 'X-CSRF-Token': await csrfToken(page.request) },
    multipart: { name, business_type_id: labour, file: { name: 'contract.pdf', mimeType: 'application/pdf', buffer: PDF } },
  })
  expect(uploaded.status(), await uploaded.text()).toBe(201)
  const template = ((await uploaded.json()) as { id: string }).id
  await apiJson(page.request, 'PUT', `/api/v1/enterprises/${enterprise}/templates/${template}/draft`, layout())
  await apiJson(page.request, 'POST', `/api/v1/enterprises/${enterprise}/templates/${template}/publish`)

  // The contacts page, from the enterprise page: a bad mobile is named, then the person is added.
  await page.goto(`/contracts/enterprises/${enterprise}`)
  await page.getByTestId('enterprise-contacts').click()
  await expect(page.getByTestId('contacts-page')).toBeVisible()
  await page.getByTestId('contacts-name').fill(user.realName)
  await page.getByTestId('contacts-phone').fill('12345')
  await page.getByTestId('contacts-add').click()
  await expect(page.getByTestId('contacts-page')).toContainText('11 位手机号')
  await page.getByTestId('contacts-phone').fill(user.phone)
  await page.getByTestId('contacts-id-number').fill(id)
  await page.getByTestId('contacts-note').fill('焊工班组')
  await page.getByTestId('contacts-add').click()
  await expect(page.getByTestId('contacts-table')).toContainText(masked)
  await expect(page.getByTestId('contacts-table')).toContainText('焊工班组')
  await expect(page.locator('body')).not.toContainText(user.phone)
  await expect(page.locator('body')).not.toContainText(id)
  await shot(page, 'contacts-list')

  // The launch page: pick the contact into party B and launch one contract.
  await page.getByTestId('contacts-to-launch').click()
  await expect(page.getByTestId('launch-page')).toBeVisible()
  await page.goto(`/enterprises/${enterprise}/launch?template=${template}`)
  await expect(page.getByTestId('launch-templates')).toContainText(name)
  await page.getByTestId('launch-from-contacts').click()
  const picker = page.getByTestId('contact-picker')
  await picker.getByTestId('contact-search').fill(user.realName)
  await picker.getByRole('row', { name: new RegExp(user.realName) }).locator('.el-checkbox').click()
  await picker.getByTestId('contact-pick-confirm').click()
  await expect(page.getByTestId('launch-contact-B')).toContainText(`${user.realName} ${masked}`)
  await shot(page, 'launch-from-contact')
  await page.getByTestId('launch-title').fill(`劳动合同（联系人 ${user.realName}）`)
  const values: Record<string, string> = { 姓名: user.realName, 身份证号: id, 岗位: '焊工', 月工资: '8000', 合同开始日期: '2026-01-05', 合同结束日期: '2029-01-04' }
  for (const [key, value] of Object.entries(values)) await page.getByTestId(`launch-field-${key}`).fill(value)
  await page.getByTestId('launch-submit').click()
  await expect(page).toHaveURL(/\/contracts\/tasks\/[^/]+$/)
  await expect(page.locator('body')).toContainText(`劳动合同（联系人 ${user.realName}）`)

  // A typed mobile saved from its row: the same mobile updates the entry under the new name.
  await page.goto(`/enterprises/${enterprise}/launch?template=${template}`)
  await page.getByTestId('launch-phone-B').fill(user.phone)
  await page.getByTestId('launch-save-contact-B').click()
  await page.locator('.el-message-box input').fill(`${user.realName}二`)
  await page.locator('.el-message-box').getByRole('button', { name: '保存' }).click()
  await expect(page.getByTestId('launch-contact-B')).toContainText(`${user.realName}二 ${masked}`)

  // Deleted from the management list.
  await page.getByTestId('launch-manage-contacts').click()
  await expect(page.getByTestId('contacts-table')).toContainText(`${user.realName}二`)
  await page.getByTestId(`contacts-delete-${user.realName}二`).click()
  await page.locator('.el-message-box').getByRole('button', { name: '删除' }).click()
  await expect(page.getByTestId('contacts-table')).not.toContainText(`${user.realName}二`)
  await personContext.close()
})

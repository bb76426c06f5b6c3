// The public page a page QR code opens (ES-15), as a phone camera opens it: no login, 390 px.
// The demo enterprise launches a contract to a new real-named person who signs; a visitor who
// has never been to the site opens /verify/tasks/:task/documents/0/pages/1 and sees the state,
// the document, 第 1 页 / 共 2 页, the parties under masked names with who has signed, and the
// page rendered; turns to page 2; a page past the end says 未找到该页; once withdrawn the page
// says 已作废. Nothing personal (full name, ID number, phone) is on the page. Screenshots kept.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type Page } from '@playwright/test'
import { demoEnterpriseId, launchPersonThenEnterprise } from './contractsFixture'
import { apiJson, csrfToken, freshIdNumber, inboxCode, newUser, realNameViaApi, registerViaApi, shot } from './helpers'

const here = path.dirname(fileURLToPath(import.meta.url))
const PDF = readFileSync(path.join(here, '..', '..', 'crates', 'pdf', 'tests', 'fixtures', 'libreoffice-contract2.pdf'))
const PHONE = { width: 390, height: 844 }
const FULL_NAME = '王小明'

async function fitsThePhone(page: Page): Promise<void> {
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)
  expect(fits, 'nothing sticks out of the 390 px viewport').toBe(true)
}

test('a page QR code opens that page of the original with the status and masked parties', async ({ page, browser }) => {
  test.setTimeout(180_000)
  // The person: registered and real-named on a client of their own.
  const personContext = await browser.newContext()
  const person = personContext.request
  const user = newUser()
  const idNumber = freshIdNumber()
  await registerViaApi(person, user)
  await realNameViaApi(person, FULL_NAME, idNumber)

  // The demo enterprise launches: the person (B) first, then the enterprise (A).
  const enterprise = await demoEnterpriseId(page.request)
  const task = await launchPersonThenEnterprise(page.request, enterprise, `劳动合同（${FULL_NAME}）`, user.phone, PDF)

  // The person signs (through the API).
  const headers = { 'X-CSRF-Token': await csrfToken(person) }
  const sent = await person.post(`/api/v1/tasks/${task}/sign-code`, { headers })
  expect(sent.ok(), await sent.text()).toBe(true)
  const code = await inboxCode(person, user.phone, 'sms')
  const signed = await person.post(`/api/v1/tasks/${task}/sign`, { headers, data: { sms_code: code } })
  expect(signed.ok(), await signed.text()).toBe(true)

  // A visitor with a phone camera: a fresh browser, never signed in.
  const visitorContext = await browser.newContext({ viewport: PHONE })
  const visitor = await visitorContext.newPage()
  await visitor.goto(`/verify/tasks/${task}/documents/0/pages/1`)
  await expect(visitor.getByTestId('page-qr-state')).toHaveText('签署中')
  await expect(visitor.getByTestId('page-qr-document')).toHaveText('劳动合同')
  await expect(visitor.getByTestId('page-qr-page')).toHaveText('第 1 页 / 共 2 页')
  await expect(visitor.getByTestId('page-qr-party-B')).toContainText('王*明')
  await expect(visitor.getByTestId('page-qr-party-B')).toContainText('已签署')
  await expect(visitor.getByTestId('page-qr-party-A')).toContainText('待签署')
  await expect(visitor.getByTestId('page-qr-note')).toContainText('电子合同原件')
  await expect(visitor.getByTestId('page-qr-verify-link')).toHaveAttribute('href', '/verify')
  const image = visitor.getByTestId('page-qr-image')
  await expect(image).toBeVisible()
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 30_000 }).toBeGreaterThan(800)
  const text = (await visitor.locator('body').textContent()) ?? ''
  for (const secret of [FULL_NAME, idNumber, user.phone, '****']) {
    expect(text, `${secret} on the public page`).not.toContain(secret)
  }
  await fitsThePhone(visitor)
  await shot(visitor, 'page-qr-390')

  // The next page, and back.
  await visitor.getByTestId('page-qr-next').click()
  await expect(visitor).toHaveURL(new RegExp(`/verify/tasks/${task}/documents/0/pages/2$`))
  await expect(visitor.getByTestId('page-qr-page')).toHaveText('第 2 页 / 共 2 页')
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 30_000 }).toBeGreaterThan(800)
  await expect(visitor.getByTestId('page-qr-next')).toHaveCount(0)
  await fitsThePhone(visitor)
  await shot(visitor, 'page-qr-390-page2')
  await visitor.getByTestId('page-qr-prev').click()
  await expect(visitor.getByTestId('page-qr-page')).toHaveText('第 1 页 / 共 2 页')

  // Past the end, or another task: 未找到该页.
  await visitor.goto(`/verify/tasks/${task}/documents/0/pages/3`)
  await expect(visitor.getByTestId('page-qr-not-found')).toContainText('未找到该页')
  await fitsThePhone(visitor)
  await shot(visitor, 'page-qr-390-not-found')

  // Withdrawn: the page still shows, as 已作废.
  await apiJson(page.request, 'POST', '/api/v1/tasks/withdraw', { task_ids: [task], reason: '发错了' })
  await visitor.goto(`/verify/tasks/${task}/documents/0/pages/1`)
  await expect(visitor.getByTestId('page-qr-state')).toHaveText('已作废')
  await expect(visitor.getByTestId('page-qr-state-line')).toContainText('已撤回')
  await expect(visitor.getByTestId('page-qr-party-A')).toContainText('未签署')
  await expect(visitor.getByTestId('page-qr')).not.toContainText('发错了')
  await shot(visitor, 'page-qr-390-void')

  await visitorContext.close()
  await personContext.close()
})

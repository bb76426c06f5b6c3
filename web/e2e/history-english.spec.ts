// Issue 13, "English history from event codes": with the UI in English, an order walked through
// submission → identity check → payment → approval → issued shows every history line in English
// (no Chinese character: the user's own data does not appear in these lines) at 1366 and 390 px,
// and so does the staff console's history; a reviewer's flags (a check handed to a person) read
// in English on the staff console's list and detail.
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { apiJson, DEMO_STAFF, inboxCode, loginViaApi, newUser, registerViaApi, shot, solvedCaptcha } from './helpers'
import { mobile, personalDraft, type OrderRef } from './newuser'

const SIZES = [
  { width: 1366, height: 900 },
  { width: 390, height: 844 },
] as const
/** Chinese characters and full-width punctuation. */
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/

const user = newUser()
let applicant: BrowserContext
let staff: BrowserContext
let page: Page
let staffPage: Page

/** A context whose pages start in English. */
async function englishContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL })
  await context.addInitScript(() => localStorage.setItem('signet.locale', 'en'))
  return context
}

/** The history's lines as shown, each checked for Chinese; the newest must contain `latest`. */
async function expectEnglishHistory(p: Page, testid: string, latest: string | RegExp): Promise<void> {
  const history = p.getByTestId(testid)
  await expect(history).toContainText(latest)
  const lines = await history.locator('.el-timeline-item__content').allInnerTexts()
  expect(lines.length).toBeGreaterThan(1)
  const chinese = lines.filter((line) => CJK.test(line))
  expect(chinese, `history lines with Chinese:\n${chinese.join('\n')}`).toEqual([])
}

test.describe.serial('an order history in English, from event codes (issue 13)', () => {
  test.beforeAll(async ({ browser }) => {
    applicant = await englishContext(browser)
    await registerViaApi(applicant.request, user)
    staff = await englishContext(browser)
    await loginViaApi(staff.request, DEMO_STAFF.login, DEMO_STAFF.password)
    page = await applicant.newPage()
    staffPage = await staff.newPage()
  })

  test.afterAll(async () => {
    await applicant?.close()
    await staff?.close()
  })

  test('submission → check → payment → approval → issued: every history line in English at 1366 and 390 px', async () => {
    test.setTimeout(120_000)
    const request = applicant.request
    const phone = mobile()
    const order: OrderRef = await personalDraft(request, user.realName, phone)
    const look = async (step: string, latest: string | RegExp): Promise<void> => {
      for (const size of SIZES) {
        await page.setViewportSize(size)
        await page.goto(`/orders/${order.id}`)
        await expectEnglishHistory(page, 'order-history', latest)
        await expect(page.getByTestId('order-state')).not.toHaveText(CJK)
        await shot(page, `english-history-${step}-${size.width}`)
      }
    }

    await apiJson(request, 'POST', `/api/v1/orders/${order.id}/signing-code`, await solvedCaptcha(request))
    await apiJson(request, 'POST', `/api/v1/orders/${order.id}/submit`, { agree: true, sms_code: await inboxCode(request, phone, 'sms') })
    await look('submitted', 'Submitted; identity checks next')

    await apiJson(request, 'POST', `/api/v1/orders/${order.id}/verifications`, { party: 'person', method: 'three_factor' })
    await look('verified', 'Identity verified')
    // The check's result, on the checks card (a table at 1366 px, cards at 390 px), in English.
    for (const [size, testid] of [
      [SIZES[0], 'order-checks'],
      [SIZES[1], 'order-checks-cards'],
    ] as const) {
      await page.setViewportSize(size)
      await page.goto(`/orders/${order.id}`)
      await expect(page.getByTestId(testid)).toContainText('Verified')
      await expect(page.getByTestId(testid)).not.toContainText(CJK)
    }

    const payment = await apiJson<{ id: string }>(request, 'POST', `/api/v1/orders/${order.id}/payments`, { channel: 'wechat' })
    await apiJson(request, 'POST', `/dev/payments/${payment.id}`, { result: 'paid' })
    await look('paid', /Paid CNY \d+\.\d\d \(WeChat Pay\)/)

    await apiJson(staff.request, 'POST', `/api/v1/staff/orders/${order.id}/approve`)
    await expect
      .poll(async () => ((await (await request.get(`/api/v1/orders/${order.id}`)).json()) as { state: string }).state, {
        message: `order ${order.number} is issued`,
        timeout: 20_000,
      })
      .toBe('completed')
    await look('issued', 'Cloud certificates issued')
    await expect(page.getByTestId('order-history')).toContainText('Approved')

    // The staff console reads the same history in English.
    await staffPage.setViewportSize(SIZES[0])
    await staffPage.goto(`/staff/orders/${order.id}`)
    await expectEnglishHistory(staffPage, 'staff-history', 'Cloud certificates issued')
    await shot(staffPage, 'english-staff-history')
  })

  test("a reviewer's flags read in English on the staff console", async () => {
    const request = applicant.request
    const phone = mobile()
    const order = await personalDraft(request, user.realName, phone)
    await apiJson(request, 'POST', `/api/v1/orders/${order.id}/signing-code`, await solvedCaptcha(request))
    await apiJson(request, 'POST', `/api/v1/orders/${order.id}/submit`, { agree: true, sms_code: await inboxCode(request, phone, 'sms') })
    // The applicant mails the paper form: the check goes to a person, a flag for the reviewer.
    const offline = await apiJson<{ flags: string[] }>(request, 'POST', `/api/v1/orders/${order.id}/offline`)
    expect(offline.flags).toEqual(['offline_form:person'])

    await staffPage.setViewportSize(SIZES[0])
    await staffPage.goto(`/staff/orders/${order.id}`)
    const flags = staffPage.getByTestId('staff-flags')
    await expect(flags).toContainText('Applicant: the applicant chose the paper form: review it when it arrives')
    await expect(flags).not.toContainText(CJK)
    await expectEnglishHistory(staffPage, 'staff-history', 'Identity verified')
    const checks = staffPage.getByTestId('staff-checks')
    await expect(checks).toContainText('The paper form was chosen; a reviewer checks it when it arrives')
    await expect(checks).not.toContainText(CJK)
    await shot(staffPage, 'english-staff-flags')
    // The queue's column of flags too.
    await staffPage.goto('/staff?state=')
    await staffPage.getByTestId('staff-search-input').fill(order.number)
    await staffPage.getByTestId('staff-search').click()
    const row = staffPage.locator('.el-table__row', { has: staffPage.getByTestId(`staff-order-${order.number}`) })
    await expect(row).toContainText('Applicant: the applicant chose the paper form')
    await expect(row.locator('.flag')).not.toContainText(CJK)
  })
})

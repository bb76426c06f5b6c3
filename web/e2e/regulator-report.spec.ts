// A completed contract is reported to the supervising platform (ES-17), and its page shows the
// report's state: the person signs on the contract page (SMS code, their own certificate), the
// demo enterprise signs last, the report waits as 待上报 while the sandbox's stand-in regulator
// is down, and turns 已上报 with its receipt once it is back. Staff see it on 监管上报.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext } from '@playwright/test'
import { demoEnterpriseId, launchPersonThenEnterprise } from './contractsFixture'
import {
  advanceClock,
  csrfToken,
  DEMO_STAFF,
  inboxCode,
  loginViaApi,
  newUser,
  realNameViaApi,
  registerViaApi,
  shot,
} from './helpers'

const here = path.dirname(fileURLToPath(import.meta.url))
const PDF = readFileSync(path.join(here, '..', '..', 'crates', 'pdf', 'tests', 'fixtures', 'libreoffice-contract2.pdf'))
/** The demo enterprise's administrator's phone (`signet init --demo`). */
const ECADMIN_PHONE = '13800000003'

async function outage(staff: APIRequestContext, down: boolean): Promise<void> {
  const res = await staff.post('/dev/regulator/outage', {
    headers: { 'X-CSRF-Token': await csrfToken(staff) },
    data: { down },
  })
  expect(res.ok(), `outage → ${res.status()} ${await res.text()}`).toBe(true)
}

test('the report of a completed contract turns from 待上报 to 已上报', async ({ page, browser }) => {
  const staffContext = await browser.newContext()
  const staff = staffContext.request
  await loginViaApi(staff, DEMO_STAFF.login, DEMO_STAFF.password)
  // Only staff may take the stand-in down.
  const personContext = await browser.newContext()
  const person = await personContext.newPage()
  const user = newUser()
  await registerViaApi(person.request, user)
  const refused = await person.request.post('/dev/regulator/outage', {
    headers: { 'X-CSRF-Token': await csrfToken(person.request) },
    data: { down: true },
  })
  expect(refused.status()).toBe(403)
  await realNameViaApi(person.request, user.realName)
  await outage(staff, true)

  try {
    // The demo enterprise launches: the person (B) first, then the enterprise (A).
    const enterprise = await demoEnterpriseId(page.request)
    const task = await launchPersonThenEnterprise(page.request, enterprise, `劳动合同（${user.realName}）`, user.phone, PDF)

    // The person finds it in the signing centre and signs on its page.
    await person.goto('/contracts/tasks?list=to_sign')
    await person.getByTestId(`task-link-${task}`).click()
    await expect(person.getByTestId('task-title')).toContainText('劳动合同')
    await expect(person.getByTestId('task-sign')).toBeVisible()
    await person.getByTestId('task-send-code').click()
    const code = await inboxCode(person.request, user.phone, 'sms')
    await person.getByTestId('task-sms-code').fill(code)
    await shot(person, 'task-sign')
    await person.getByTestId('task-sign-submit').click()
    await expect(person.getByTestId('task-party-B')).toHaveText('已签署')
    await expect(person.getByTestId('task-sign')).toHaveCount(0)
    // A party outside the launching enterprise sees no report status.
    await expect(person.getByTestId('task-report')).toHaveCount(0)

    // The enterprise signs last (through the API): the contract completes.
    const headers = { 'X-CSRF-Token': await csrfToken(page.request) }
    const sent = await page.request.post(`/api/v1/tasks/${task}/sign-code`, { headers })
    expect(sent.ok(), await sent.text()).toBe(true)
    const adminCode = await inboxCode(page.request, ECADMIN_PHONE, 'sms')
    const signed = await page.request.post(`/api/v1/tasks/${task}/sign`, { headers, data: { sms_code: adminCode } })
    expect(signed.ok(), await signed.text()).toBe(true)

    // The regulator is down: the report waits, saying why.
    await page.goto(`/contracts/tasks/${task}`)
    await expect(page.getByTestId('task-state')).toHaveText('已完成')
    await expect(page.getByTestId('task-report-report')).toHaveText('待上报')
    await expect
      .poll(
        async () => {
          await page.getByTestId('task-report-refresh').click()
          return page.getByTestId('task-report').textContent()
        },
        { timeout: 20_000 },
      )
      .toContain('503')
    await shot(page, 'report-pending')

    // Back up: past the retry's backoff the job sends it again and the page shows the receipt.
    await outage(staff, false)
    await advanceClock(3_700)
    await expect
      .poll(
        async () => {
          await page.getByTestId('task-report-refresh').click()
          return page.getByTestId('task-report-report').textContent()
        },
        { timeout: 30_000 },
      )
      .toBe('已上报')
    await expect(page.getByTestId('task-report-receipt')).toHaveText(/^DEV-/)
    await shot(page, 'report-reported')

    // Staff see it among the reported ones; the stand-in lists what it received.
    const staffPage = await staffContext.newPage()
    await staffPage.goto('/staff/regulator')
    await staffPage.getByTestId('staff-regulator-filter-reported').click()
    await expect(staffPage.getByTestId('staff-regulator-table')).toContainText('已上报')
    await shot(staffPage, 'staff-regulator')
    const received = (await (await staff.get('/dev/regulator')).json()) as { subject_id: string; deliveries: number }[]
    expect(received.find((r) => r.subject_id === task)?.deliveries).toBe(1)
  } finally {
    await outage(staff, false)
    await personContext.close()
    await staffContext.close()
  }
})

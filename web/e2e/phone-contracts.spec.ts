// Issue 13, "every signed-in page at 390 px": the e-contract administrator's pages of the demo
// enterprise (`ecadmin`): enterprise space, members (with requests, business types and the seal
// log), seals, employees (every tab), templates, the launch page (both tabs), webhooks, and the
// person's own pages. Each page and each of its tabs is screenshot at 390 px and checked by the
// same rule as the applicant's pages: nothing sticks out of the viewport, no text set one
// character per line, no input under two characters wide.
import { expect, test, type Page } from '@playwright/test'
import { shot } from './helpers'
import { DEMO_ENTERPRISE, demoEnterpriseId } from './contractsFixture'
import { layoutProblems, settle } from './newuser'

const PHONE = { width: 390, height: 844 }

/** The page's problems, and those of each of its tabs (clicked in turn), named after `name`. */
async function checkPage(page: Page, path: string, name: string): Promise<string[]> {
  await page.goto(path)
  await settle(page)
  await expect(page.getByText('页面不存在')).toHaveCount(0)
  const found: string[] = []
  const tabs = page.locator('.el-tabs__nav .el-tabs__item')
  const count = await tabs.count()
  for (let i = 0; i < Math.max(count, 1); i += 1) {
    if (count > 0) {
      await tabs.nth(i).click()
      await settle(page)
    }
    const label = count > 0 ? `${name}-tab${i + 1}` : name
    await shot(page, `phone-${label}`)
    found.push(...(await layoutProblems(page)).map((p) => `${path}${count > 0 ? ` (tab ${i + 1})` : ''}: ${p}`))
  }
  return found
}

test('every e-contract administrator page fits a 390 px phone', async ({ page }) => {
  test.setTimeout(180_000)
  await page.setViewportSize(PHONE)
  const id = await demoEnterpriseId(page.request)
  const templates = (await (await page.request.get(`/api/v1/enterprises/${id}/templates`)).json()) as { id: string }[] | { items: { id: string }[] }
  const firstTemplate = (Array.isArray(templates) ? templates : (templates.items ?? []))[0]
  const pages: [string, string][] = [
    ['/contracts/real-name', 'ec-real-name'],
    ['/contracts/enterprises', 'ec-enterprises'],
    [`/contracts/enterprises/${id}`, 'ec-enterprise'],
    [`/contracts/enterprises/${id}/members`, 'ec-members'],
    [`/enterprises/${id}/seals`, 'ec-seals'],
    [`/enterprises/${id}/employees`, 'ec-employees'],
    [`/enterprises/${id}/templates`, 'ec-templates'],
    [`/enterprises/${id}/launch`, 'ec-launch'],
    [`/enterprises/${id}/webhooks`, 'ec-webhooks'],
    ['/me/seals', 'ec-my-seals'],
    ['/contracts/joined', 'ec-joined'],
    ['/contracts/join', 'ec-join'],
  ]
  if (firstTemplate) pages.push([`/enterprises/${id}/templates/${firstTemplate.id}`, 'ec-template-editor'])
  const found: string[] = []
  for (const [path, name] of pages) found.push(...(await checkPage(page, path, name)))
  // The enterprise space is the demo enterprise's.
  await page.goto(`/contracts/enterprises/${id}`)
  await expect(page.locator('body')).toContainText(DEMO_ENTERPRISE.name)
  expect(found, found.join('\n')).toEqual([])
})

// Batch signing (批量签署): the demo enterprise launches three contracts to a new person; its
// administrator ticks them in 待我签署, opens 批量签署, gets ONE SMS code naming the count, confirms,
// and watches the progress reach 3 of 3; each contract then shows the enterprise's party signed.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type APIRequestContext } from '@playwright/test'
import { demoEnterpriseId, labourTypeId } from './contractsFixture'
import { advanceClock, apiJson, newUser, realNameViaApi, registerViaApi, shot } from './helpers'

const here = path.dirname(fileURLToPath(import.meta.url))
const PDF = readFileSync(path.join(here, '..', '..', 'crates', 'pdf', 'tests', 'fixtures', 'libreoffice-contract2.pdf'))
/** The demo enterprise's administrator's phone (`signet init --demo`). */
const ECADMIN_PHONE = '13800000003'

/** A task both parties may sign at once (unordered): the enterprise's turn from the start. */
async function launchUnordered(request: APIRequestContext, enterprise: string, title: string, phone: string): Promise<string> {
  const launched = await apiJson<{ id: string }>(request, 'POST', `/api/v1/enterprises/${enterprise}/tasks`, {
    business_type_id: await labourTypeId(request, enterprise),
    title,
    order: 'unordered',
    parties: [
      { role: 'B', kind: 'person', phone },
      { role: 'A', kind: 'enterprise', enterprise_id: enterprise },
    ],
    documents: [
      {
        name: '劳动合同',
        pdf: PDF.toString('base64'),
        spots: [
          { id: 'a1', role: 'A', kind: 'company', page: 2, x: 360, y: 560, w: 120, h: 120 },
          { id: 'b1', role: 'B', kind: 'name_seal', page: 2, x: 90, y: 580, w: 80, h: 80 },
        ],
      },
    ],
  })
  return launched.id
}

test('the enterprise signs three contracts under one SMS code and sees the progress', async ({ page, browser }) => {
  const personContext = await browser.newContext()
  const user = newUser()
  await registerViaApi(personContext.request, user)
  await realNameViaApi(personContext.request, user.realName)
  await personContext.close()

  const enterprise = await demoEnterpriseId(page.request)
  const ids: string[] = []
  for (const n of [1, 2, 3]) {
    ids.push(await launchUnordered(page.request, enterprise, `劳动合同（${user.realName}·${n}）`, user.phone))
  }

  await page.goto('/contracts/tasks?list=to_sign')
  await expect(page.getByTestId('tasks-batch-sign')).toBeDisabled()
  for (const id of ids) {
    const row = page.locator('tr', { has: page.getByTestId(`task-link-${id}`) })
    await row.locator('.el-checkbox').click()
  }
  await expect(page.getByTestId('tasks-selected')).toContainText('3')
  await page.getByTestId('tasks-batch-sign').click()
  const dialog = page.getByTestId('batch-sign-dialog')
  await expect(dialog).toContainText('批量签署 3 份合同')

  // One intent code a minute per phone: other specs may have asked for one for this number.
  await advanceClock(61)
  await dialog.getByTestId('batch-sign-send-code').click()
  await expect(dialog.getByTestId('batch-sign-send-code')).toBeDisabled()
  let code = ''
  await expect
    .poll(async () => {
      const items = (await (await page.request.get(`/dev/inbox?to=${ECADMIN_PHONE}`)).json()) as { body: string; code?: string }[]
      const found = items.find((i) => i.code)
      code = found?.body.includes('批量签署 3 份合同') ? (found.code ?? '') : ''
      return code
    })
    .not.toBe('')
  await dialog.getByTestId('batch-sign-code').fill(code)
  await shot(page, 'batch-sign-dialog')
  await dialog.getByTestId('batch-sign-submit').click()

  await expect(dialog.getByTestId('batch-sign-progress')).toBeVisible()
  await expect(dialog.getByTestId('batch-sign-done')).toBeVisible({ timeout: 60_000 })
  await expect(dialog.getByTestId('batch-sign-counts')).toContainText('已处理 3 / 3 份：成功 3 份，失败 0 份')
  await expect(dialog.getByTestId('batch-sign-failures')).toHaveCount(0)
  await shot(page, 'batch-sign-done')
  await dialog.getByTestId('batch-sign-close').click()

  // The list reloads without them; each contract shows the enterprise's party signed.
  for (const id of ids) await expect(page.getByTestId(`task-link-${id}`)).toHaveCount(0)
  await page.goto(`/contracts/tasks/${ids[0]}`)
  await expect(page.getByTestId('task-party-A')).toHaveText('已签署')
})

// Paper archives (ES-10): the demo enterprise's administrator archives scanned paper contracts in
// bulk. The first zip holds one entry that is not a PDF: the check names it and nothing can be
// archived; the fixed zip passes, is archived, and both contracts appear in 我发起的归档, each
// labelled as digitised paper (not e-signed) and queued for the regulator. The people are the
// demo enterprise's roster (`signet init --demo`).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import { demoEnterpriseId, labourTypeId } from './contractsFixture'
import { shot } from './helpers'
import { xlsx, zip } from './xlsx'

const here = path.dirname(fileURLToPath(import.meta.url))
const PDF = readFileSync(path.join(here, '..', '..', 'crates', 'pdf', 'tests', 'fixtures', 'libreoffice-contract2.pdf'))
/** The demo roster (`signet_core::contracts::demo::ROSTER`). */
const ZHANG = { name: '张三', id: '330106199003071519' }
const LI = { name: '李四', id: '33010619920815262X' }

test('a bulk archive with one bad entry is shown, fixed and archived', async ({ page }) => {
  const enterprise = await demoEnterpriseId(page.request)
  const labour = await labourTypeId(page.request, enterprise)
  const fields = (await (
    await page.request.get(`/api/v1/enterprises/${enterprise}/archive-fields?business_type_id=${labour}`)
  ).json()) as { key: string }[]
  const header = ['文件名', '合同名称', '姓名', '身份证号', ...fields.map((f) => f.key)]
  const values: Record<string, string> = {
    岗位: '焊工',
    月工资: '8000',
    合同开始日期: '2026-01-05',
    合同结束日期: '2029-01-04',
  }
  const stamp = Date.now()
  const row = (file: string, who: { name: string; id: string }) => [
    file,
    `${who.name}劳动合同（纸质 ${stamp}）`,
    who.name,
    who.id,
    ...fields.map((f) => values[f.key] ?? ''),
  ]
  const workbook = xlsx([header, row('张三.pdf', ZHANG), row('李四.pdf', LI)])
  const bad = zip([
    ['归档信息.xlsx', workbook],
    ['张三.pdf', PDF],
    ['李四.pdf', PDF],
    ['备注.docx', Buffer.from('not a pdf')],
  ])
  const good = zip([
    ['归档信息.xlsx', workbook],
    ['张三.pdf', PDF],
    ['李四.pdf', PDF],
  ])

  await page.goto(`/enterprises/${enterprise}/archives`)
  await expect(page.getByTestId('archives-page')).toBeVisible()
  await page.getByTestId('archive-bulk').click()
  const dialog = page.getByTestId('archive-bulk-dialog')
  await dialog.getByTestId('archive-bulk-type').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '劳动合同' }).first().click()
  await dialog.getByTestId('archive-bulk-title').fill(`2026 年入职劳动合同（纸质 ${stamp}）`)
  await expect(dialog.getByTestId('archive-bulk-template')).toHaveAttribute('href', /archive-workbook/)

  // The zip with a stray Word file: the check names that entry and nothing can be archived.
  await dialog.getByTestId('archive-bulk-file').setInputFiles({ name: '归档.zip', mimeType: 'application/zip', buffer: bad })
  await expect(dialog.getByTestId('archive-bulk-problems')).toContainText('备注.docx')
  await expect(dialog.getByTestId('archive-bulk-problems')).toContainText('不是 PDF 文件')
  await expect(dialog.getByTestId('archive-bulk-problems-title')).toContainText('1 处问题')
  await expect(dialog.getByTestId('archive-bulk-submit')).toBeDisabled()
  await shot(page, 'archive-bulk-problem')

  // Fixed: both rows pass, and the upload is archived.
  await dialog.getByTestId('archive-bulk-file').setInputFiles({ name: '归档.zip', mimeType: 'application/zip', buffer: good })
  await expect(dialog.getByTestId('archive-bulk-ok')).toBeVisible()
  await expect(dialog.getByTestId('archive-bulk-rows')).toContainText('李四.pdf')
  await expect(dialog.getByTestId('archive-bulk-summary')).toContainText('2 行通过校验')
  await shot(page, 'archive-bulk-passed')
  await dialog.getByTestId('archive-bulk-submit').click()
  await expect(page.getByText('已归档 2 份合同')).toBeVisible()
  await expect(dialog).toBeHidden()

  // 我发起的归档 lists them; one opens as digitised paper, waiting for or done with its report.
  await page.getByTestId('archive-search').fill(String(stamp))
  await page.getByTestId('archive-search').press('Enter')
  const table = page.getByTestId('archives-table')
  await expect(table).toContainText(`张三劳动合同（纸质 ${stamp}）`)
  await expect(table).toContainText(`李四劳动合同（纸质 ${stamp}）`)
  await expect(table).toContainText('已归档')
  await shot(page, 'archive-list')
  await table.getByText(`张三劳动合同（纸质 ${stamp}）`).click()
  const drawer = page.getByTestId('archive-drawer')
  await expect(drawer.getByTestId('archive-label')).toContainText('纸质合同电子化归档（非电子签署）')
  await expect(drawer.getByTestId('archive-detail-report-report')).toHaveText(/待上报|已上报/)
  await expect(drawer).toContainText('焊工')
  await shot(page, 'archive-detail')
})

// 合同模板编辑器（ES-11, §2.6）：演示企业管理员 ecadmin 上传 PDF 模板（劳动合同），在 pdf.js 绘制的
// 第 1 页上用真实的鼠标拖放放置“姓名”“身份证号”字段、公章与人名章，拖动手柄调整大小，方向键微调，
// 保存草稿；缺少业务类型要求的字段时发布被拒并显示缺少的字段；补齐后发布。最后经 API 核对保存的
// 位置与放下的位置相差不超过 2 pt。截图：编辑器 1366 px，列表 1366 px 与 390 px。
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { apiAfter, bodyText, expectProblemShown, loginViaApi, shot, uniqueSuffix } from './helpers'

const EC_ADMIN = { login: 'ecadmin', password: 'Demo@2026' }
// A ten-page A4 contract made by LibreOffice (CJK text, embedded fonts), shared with the pdf crate's tests.
const TEMPLATE_PDF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../crates/pdf/tests/fixtures/libreoffice-contract10.pdf')
const TOLERANCE = 2

interface Box {
  page: number
  x: number
  y: number
  w: number
  h: number
}
interface TemplateView {
  id: string
  name: string
  version: {
    id: string
    state: string
    pages: { width: number; height: number }[]
    fields: { key: string; placements: Box[] }[]
    signing: (Box & { id: string; role: string; kind: string })[]
    roles: { key: string; kind: string }[]
  }
}

/** Signs in as the demo enterprise's administrator; returns the certified demo enterprise's id. */
async function signIn(page: Page): Promise<string> {
  await loginViaApi(page.request, EC_ADMIN.login, EC_ADMIN.password)
  const res = await page.request.get('/api/v1/me/enterprises')
  expect(res.ok(), `GET /api/v1/me/enterprises → ${res.status()}`).toBe(true)
  const enterprises = (await res.json()) as { id: string; state: string }[]
  const certified = enterprises.find((e) => e.state === 'certified')
  expect(certified, 'the demo enterprise (signet init --demo) is certified').toBeTruthy()
  return (certified as { id: string }).id
}

/** Page 1 of the editor: its element, its top-left in the window and its pdf.js scale. */
async function pageOne(page: Page): Promise<{ el: Locator; left: number; top: number; scale: number }> {
  const el = page.getByTestId('template-page-1')
  const rect = await el.boundingBox()
  expect(rect).toBeTruthy()
  const scale = Number(await el.getAttribute('data-scale'))
  expect(scale).toBeGreaterThan(0.4)
  return { el, left: (rect as { x: number }).x, top: (rect as { y: number }).y, scale }
}

/** Fails unless the window point (x, y) is inside the viewport: a mouse press outside it reaches nothing. */
function expectInViewport(page: Page, x: number, y: number, what: string): void {
  const size = page.viewportSize() as { width: number; height: number }
  expect(x >= 0 && x < size.width && y >= 0 && y < size.height, `${what} at (${x}, ${y}) is inside the ${size.width}×${size.height} window`).toBe(true)
}

/** Drags `source` with the mouse and lets go over page 1 at (x, y) points; returns that point. */
async function dragOnto(page: Page, source: Locator, x: number, y: number): Promise<{ x: number; y: number }> {
  // The palette scrolls on its own (the real server offers some twenty standard fields, so the
  // signing spots start below the fold): scroll the entry into view as a user would, since
  // page.mouse presses at window coordinates and does not scroll.
  await source.scrollIntoViewIfNeeded()
  const from = await source.boundingBox()
  expect(from, 'the palette entry is visible').toBeTruthy()
  const { left, top, scale } = await pageOne(page)
  const f = from as { x: number; y: number; width: number; height: number }
  expectInViewport(page, f.x + f.width / 2, f.y + f.height / 2, 'the palette entry')
  expectInViewport(page, left + x * scale, top + y * scale, `the drop point (${x}, ${y}) pt on page 1`)
  await page.mouse.move(f.x + f.width / 2, f.y + f.height / 2)
  await page.mouse.down()
  await page.mouse.move(f.x + f.width / 2 + 40, f.y + f.height / 2 + 10, { steps: 4 })
  await expect(page.getByTestId('drag-ghost')).toBeVisible()
  await page.mouse.move(left + x * scale, top + y * scale, { steps: 12 })
  await page.mouse.up()
  await expect(page.getByTestId('drag-ghost')).toHaveCount(0)
  return { x, y }
}

/** A number of the property panel's position (points). */
async function boxValue(page: Page, part: 'x' | 'y' | 'w' | 'h'): Promise<number> {
  return Number(await page.getByTestId(`prop-box-${part}`).locator('input').inputValue())
}

function expectNear(actual: Box | undefined, expected: Partial<Box>, what: string): void {
  expect(actual, `${what} is saved`).toBeTruthy()
  const got = actual as unknown as Record<string, number>
  for (const [k, v] of Object.entries(expected)) {
    const diff = Math.abs((got[k] ?? Number.NaN) - (v as number))
    expect(diff, `${what}.${k}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`).toBeLessThanOrEqual(TOLERANCE)
  }
}

test.describe('contract templates', () => {
  test('the administrator draws a template by dragging, is refused with a required field missing, then publishes', async ({ page }) => {
    await page.setViewportSize({ width: 1366, height: 900 })
    const enterprise = await signIn(page)
    const name = `劳动合同模板 ${uniqueSuffix()}`

    // Upload the PDF as a labour-contract template.
    await page.goto(`/enterprises/${enterprise}/templates`)
    await expect(page.getByTestId('templates-page')).toBeVisible()
    await page.getByTestId('template-create').click()
    const dialog = page.getByTestId('template-upload-dialog')
    await dialog.getByTestId('template-upload-file').setInputFiles(TEMPLATE_PDF)
    await dialog.getByTestId('template-upload-name').fill(name)
    await dialog.getByTestId('template-upload-type').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '劳动合同' }).first().click()
    const created = await apiAfter(page, 'POST', `/api/v1/enterprises/${enterprise}/templates`, () =>
      dialog.getByTestId('template-upload-submit').click(),
    )
    expect(created.status(), await bodyText(created)).toBe(201)
    const template = ((await created.json()) as TemplateView).id
    await expect(page).toHaveURL(new RegExp(`/templates/${template}$`))

    // pdf.js drew the pages (not a blank canvas).
    await expect(page.getByTestId('template-page-1')).toHaveAttribute('data-rendered', 'true', { timeout: 30_000 })
    await expect(page.getByTestId('template-page-2')).toBeVisible()
    const inked = await page
      .getByTestId('template-page-1')
      .locator('canvas')
      .evaluate((c: HTMLCanvasElement) => {
        const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data
        let dark = 0
        for (let i = 0; i < data.length; i += 4) if ((data[i] as number) < 128) dark += 1
        return dark
      })
    expect(inked, 'the contract text is drawn').toBeGreaterThan(500)
    await expect(page.getByTestId('template-state')).toContainText('草稿')

    // Drag two fields and a seal per party onto page 1 with the mouse.
    const nameAt = await dragOnto(page, page.getByTestId('palette-field-姓名'), 90, 120)
    await expect(page.getByTestId('placed-field-姓名-0')).toBeVisible()
    const idAt = await dragOnto(page, page.getByTestId('palette-field-身份证号'), 300, 120)
    const companyAt = await dragOnto(page, page.getByTestId('palette-spot-A-company'), 80, 300)
    const nameSealAt = await dragOnto(page, page.getByTestId('palette-spot-B-name_seal'), 360, 330)
    await expect(page.locator('[data-testid^="placed-spot-"]')).toHaveCount(2)
    await expect(page.getByTestId('palette-field-姓名').locator('.mark')).toBeVisible()

    // The same field twice shares its properties; Delete removes the second placement.
    await dragOnto(page, page.getByTestId('palette-field-姓名'), 90, 420)
    await expect(page.getByTestId('prop-shared')).toContainText('2 处')
    await page.keyboard.press('Delete')
    await expect(page.getByTestId('placed-field-姓名-1')).toHaveCount(0)

    // Resize 姓名 by its bottom-right handle: +39 px wide, +13 px high.
    const { scale } = await pageOne(page)
    const nameBox = page.getByTestId('placed-field-姓名-0')
    await nameBox.click()
    const handle = nameBox.getByTestId('handle-se')
    const h = (await handle.boundingBox()) as { x: number; y: number; width: number; height: number }
    await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2)
    await page.mouse.down()
    await page.mouse.move(h.x + h.width / 2 + 39, h.y + h.height / 2 + 13, { steps: 6 })
    await page.mouse.up()
    const nameSize = { w: 120 + 39 / scale, h: 20 + 13 / scale }
    await expect.poll(() => boxValue(page, 'w')).toBeCloseTo(nameSize.w, 0)
    expect(await boxValue(page, 'h')).toBeCloseTo(nameSize.h, 0)

    // Nudge 身份证号: three times right by 1 pt, once down by 10 pt (Shift).
    await page.getByTestId('placed-field-身份证号-0').click()
    const before = { x: await boxValue(page, 'x'), y: await boxValue(page, 'y') }
    expect(Math.abs(before.x - idAt.x)).toBeLessThanOrEqual(TOLERANCE)
    for (let i = 0; i < 3; i += 1) await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Shift+ArrowDown')
    const idNudged = { x: idAt.x + 3, y: idAt.y + 10 }
    await expect.poll(() => boxValue(page, 'x')).toBeCloseTo(before.x + 3, 2)
    expect(await boxValue(page, 'y')).toBeCloseTo(before.y + 10, 2)
    await expect(page.getByTestId('template-unsaved')).toBeVisible()

    // Save the draft.
    const saved = await apiAfter(page, 'PUT', `/api/v1/enterprises/${enterprise}/templates/${template}/draft`, () =>
      page.getByTestId('template-save').click(),
    )
    expect(saved.status(), await bodyText(saved)).toBe(200)
    await expect(page.getByTestId('template-unsaved')).toHaveCount(0)
    await shot(page, 'template-editor-1366')

    // Publishing with the labour contract's other required fields missing is refused, naming them.
    const refused = await apiAfter(page, 'POST', `/api/v1/enterprises/${enterprise}/templates/${template}/publish`, () =>
      page.getByTestId('template-publish').click(),
    )
    const problem = await expectProblemShown(page, refused)
    await expect(page.getByTestId('template-missing')).toContainText('合同开始日期')
    await expect(page.getByTestId('publish-refusal')).toContainText('岗位')
    expect(problem.message['zh-CN']).toContain('月工资')
    await shot(page, 'template-publish-refused-1366')

    // Place them; leaving now warns about the unsaved changes.
    await dragOnto(page, page.getByTestId('palette-field-岗位'), 90, 170)
    await dragOnto(page, page.getByTestId('palette-field-月工资'), 300, 170)
    await dragOnto(page, page.getByTestId('palette-field-合同开始日期'), 90, 220)
    await dragOnto(page, page.getByTestId('palette-field-合同结束日期'), 300, 220)
    await page.getByRole('link', { name: '返回模板列表' }).click()
    await expect(page.getByText('模板有未保存的修改')).toBeVisible()
    await page.getByRole('button', { name: '继续编辑' }).click()
    await expect(page.getByTestId('template-editor')).toBeVisible()

    // Publish (the draft is saved first).
    const published = await apiAfter(page, 'POST', `/api/v1/enterprises/${enterprise}/templates/${template}/publish`, () =>
      page.getByTestId('template-publish').click(),
    )
    expect(published.status(), await bodyText(published)).toBe(200)
    await expect(page.getByTestId('template-state')).toContainText('已发布')
    await expect(page.getByTestId('publish-refusal')).toHaveCount(0)
    await expect(page.getByTestId('template-missing')).toHaveCount(0)
    await shot(page, 'template-published-1366')

    // The saved boxes are where they were dropped (points, origin top-left).
    const res = await page.request.get(`/api/v1/enterprises/${enterprise}/templates/${template}`)
    expect(res.ok(), await res.text()).toBe(true)
    const view = (await res.json()) as TemplateView
    expect(view.version.state).toBe('published')
    const field = (key: string) => view.version.fields.find((f) => f.key === key)
    expect(field('姓名')?.placements).toHaveLength(1)
    expectNear(field('姓名')?.placements[0], { page: 1, ...nameAt, ...nameSize }, '姓名')
    expectNear(field('身份证号')?.placements[0], { page: 1, ...idNudged, w: 120, h: 20 }, '身份证号')
    expectNear(field('合同结束日期')?.placements[0], { page: 1, x: 300, y: 220 }, '合同结束日期')
    const spot = (kind: string) => view.version.signing.find((s) => s.kind === kind)
    expect(spot('company')?.role).toBe('A')
    expect(spot('name_seal')?.role).toBe('B')
    expectNear(spot('company'), { page: 1, ...companyAt, w: 119, h: 119 }, '公章')
    expectNear(spot('name_seal'), { page: 1, ...nameSealAt, w: 72, h: 36 }, '人名章')
    expect(view.version.roles.map((r) => r.kind).sort()).toEqual(['enterprise', 'person'])

    // The list shows it published; at 1366 px and on a phone.
    await page.goto(`/enterprises/${enterprise}/templates`)
    await expect(page.getByTestId(`template-state-${template}`)).toHaveText('已发布')
    await shot(page, 'templates-list-1366')
    await page.setViewportSize({ width: 390, height: 844 })
    await page.reload()
    await expect(page.getByTestId('template-cards')).toBeVisible()
    await expect(page.getByTestId(`template-state-${template}`)).toHaveText('已发布')
    await shot(page, 'templates-list-390')
  })
})

// 印章管理与我的签章（ES-12, ES-14）：演示企业的管理员 ecadmin 生成各类型印章、查看透明 PNG、
// 授权公章（带截止日期）、停用与启用日期章、上传替换图片，非 PNG 上传被拒；我的签章里有默认人名章。
// 桌面（1366 px）与手机（390 px）各截图。
import { expect, test, type Page } from '@playwright/test'
import { loginViaApi, shot } from './helpers'

const EC_ADMIN = { login: 'ecadmin', password: 'Demo@2026' }

interface EnterpriseSummary {
  id: string
  state: string
}

/** Signs in as the demo enterprise's administrator; returns the certified demo enterprise's id. */
async function signIn(page: Page): Promise<string> {
  await loginViaApi(page.request, EC_ADMIN.login, EC_ADMIN.password)
  const res = await page.request.get('/api/v1/me/enterprises')
  expect(res.ok(), `GET /api/v1/me/enterprises → ${res.status()}`).toBe(true)
  const enterprises = (await res.json()) as EnterpriseSummary[]
  const certified = enterprises.find((e) => e.state === 'certified')
  expect(certified, 'the demo enterprise (signet init --demo) is certified').toBeTruthy()
  return (certified as EnterpriseSummary).id
}

/** Every seal image on the page has loaded as a picture. */
async function expectImagesLoaded(page: Page, selector: string): Promise<void> {
  const images = page.locator(selector)
  await expect(images.first()).toBeVisible()
  await expect
    .poll(async () =>
      images.evaluateAll((els) => els.every((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0)),
    )
    .toBe(true)
}

test.describe('seals', () => {
  test('the administrator generates, grants, disables and replaces seals', async ({ page }) => {
    await page.setViewportSize({ width: 1366, height: 900 })
    const enterprise = await signIn(page)
    await page.goto(`/enterprises/${enterprise}/seals`)
    await expect(page.getByTestId('enterprise-seals-page')).toBeVisible()

    // Create every seal type that is missing, drawn by the system.
    for (const kind of ['company', 'contract', 'legal_rep', 'date']) {
      if ((await page.getByTestId(`seal-card-${kind}`).count()) > 0) continue
      await page.getByTestId('seal-create').click()
      const dialog = page.getByTestId('seal-create-dialog')
      await dialog.getByTestId(`seal-type-${kind}`).click()
      await dialog.getByTestId('seal-way-generate').click()
      const created = page.waitForResponse((r) => r.url().endsWith(`/enterprises/${enterprise}/seals`) && r.request().method() === 'POST')
      await dialog.getByTestId('seal-create-submit').click()
      expect((await created).status()).toBe(201)
      await expect(page.getByTestId(`seal-card-${kind}`)).toBeVisible()
    }
    await expectImagesLoaded(page, '[data-testid^="seal-image-"]')
    // The image is a PNG served to members.
    const src = await page.getByTestId('seal-image-company').getAttribute('src')
    const png = await page.request.get(src as string)
    expect(png.headers()['content-type']).toBe('image/png')
    const bytes = await png.body()
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('\x89PNG\r\n\x1a\n')
    await shot(page, 'seals-enterprise-1366')

    // Grant the company seal to a member (here: the administrator, 赵企管) until a date. The demo
    // member 孙成员 holds a grant of it from `signet init --demo` already.
    await expect(page.getByTestId('seal-grants-company')).toContainText('孙*员')
    await expect(page.getByTestId('seal-grants-company')).not.toContainText('赵*管')
    await page.getByTestId('seal-grant-company').click()
    const grant = page.getByTestId('seal-grant-dialog')
    await grant.getByTestId('seal-grantee-select').click()
    await page.getByTestId('seal-grantee-138****0003').click()
    await grant.getByTestId('seal-grant-until').locator('input').click()
    await page.locator('.el-date-table td.available').last().click()
    await grant.getByTestId('seal-grant-submit').click()
    await expect(page.getByTestId('seal-grants-company')).toContainText('赵*管')

    // Disable and enable the date stamp.
    await page.getByTestId('seal-disable-date').click()
    await expect(page.getByTestId('seal-state-date')).toHaveText('已停用')
    await page.getByTestId('seal-enable-date').click()
    await expect(page.getByTestId('seal-state-date')).toHaveText('已启用')

    // Replace the contract seal's image by an upload of a transparent PNG (the company seal's).
    const replaced = page.waitForResponse((r) => r.url().includes('/image') && r.request().method() === 'PUT')
    await page.getByTestId('seal-replace-input-contract').setInputFiles({ name: 'seal.png', mimeType: 'image/png', buffer: bytes })
    expect((await replaced).status()).toBe(200)
    await expect(page.getByTestId('seal-card-contract')).toContainText('上传')

    // A file that is not a PNG is refused with a clear message, and nothing changes.
    const refused = page.waitForResponse((r) => r.url().includes('/image') && r.request().method() === 'PUT')
    await page
      .getByTestId('seal-replace-input-contract')
      .setInputFiles({ name: 'seal.png', mimeType: 'image/png', buffer: Buffer.from('GIF89a not really a png') })
    expect((await refused).status()).toBe(400)
    await expect(page.locator('.el-message--error')).toContainText('PNG')
    await page.goto(`/enterprises/${enterprise}/seals`)
    await expect(page.getByTestId('seal-card-contract')).toContainText('上传')

    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`/enterprises/${enterprise}/seals`)
    await expectImagesLoaded(page, '[data-testid^="seal-image-"]')
    await shot(page, 'seals-enterprise-390')
  })

  test('my seals show the generated name seal', async ({ page }) => {
    await signIn(page)
    const sizes: Array<[number, number]> = [
      [1366, 900],
      [390, 844],
    ]
    for (const [width, height] of sizes) {
      await page.setViewportSize({ width, height })
      await page.goto('/me/seals')
      await expect(page.getByTestId('my-seal-name')).toBeVisible()
      await expectImagesLoaded(page, '[data-testid^="my-seal-image-"]')
      await shot(page, `seals-mine-${width}`)
    }
  })
})

// The user guide's pictures and the help pages (issue 13). The screenshots the operation
// manual shows (docs/user-guide/images/) are taken here: with SIGNET_USER_GUIDE=update they are
// written there (then commit them); otherwise to test-results/screenshots/ only, so an ordinary
// run changes no tracked file. Each channel's manual link serves a PDF; the FAQ page exists.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type Page } from '@playwright/test'
import { apiJson, loginViaApi, SCREENSHOT_DIR } from './helpers'

const GUIDE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'user-guide', 'images')
const UPDATE = process.env.SIGNET_USER_GUIDE === 'update'

async function picture(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400)
  await page.evaluate(() => window.scrollTo(0, 0))
  const dir = UPDATE ? GUIDE : SCREENSHOT_DIR
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: path.join(dir, UPDATE ? `${name}.png` : `guide-${name}.png`) })
}

test.use({ viewport: { width: 1280, height: 800 } })

test('the user guide pictures: catalog, channel, wizard, orders, certificates, agent download', async ({ page }) => {
  test.setTimeout(120_000)
  await loginViaApi(page.request, 'demo', 'Demo@2026')
  await page.goto('/apply')
  await expect(page.getByText('公共资源交易').first()).toBeVisible()
  await picture(page, '01-catalog')

  await page.goto('/channels/ggzy')
  await expect(page.getByTestId('channel-title')).toBeVisible()
  await picture(page, '02-channel')

  const catalog = (await (await page.request.get('/api/v1/catalog')).json()) as { products: { id: string; code: string }[] }[]
  const product = catalog.flatMap((p) => p.products).find((p) => p.code === 'ggzy-org-cloud') as { id: string }
  const order = await apiJson<{ id: string }>(page.request, 'POST', '/api/v1/orders', { product_id: product.id })
  await page.goto(`/orders/${order.id}`)
  await expect(page.getByTestId('wizard')).toBeVisible()
  await picture(page, '03-wizard')

  await page.goto('/orders')
  await page.waitForLoadState('networkidle')
  await picture(page, '04-orders')

  await page.goto('/certificates')
  await page.waitForLoadState('networkidle')
  await picture(page, '05-certificates')

  await page.goto('/help/signet-agent')
  await expect(page.getByTestId('agent-download-page')).toBeVisible()
  await page.waitForLoadState('networkidle')
  await picture(page, '06-agent-download')
})

test('every channel manual link serves a PDF, and the FAQ page answers', async ({ page }) => {
  await page.goto('/channels/ggzy')
  const href = await page.getByTestId('channel-manual').getAttribute('href')
  expect(href).toBe('/manuals/ggzy.pdf')
  const catalog = (await (await page.request.get('/api/v1/catalog')).json()) as { code: string; help: { manual_url: string } }[]
  for (const project of catalog) {
    if (!project.help.manual_url.startsWith('/')) continue
    const response = await page.request.get(project.help.manual_url)
    expect(response.status(), project.help.manual_url).toBe(200)
    expect(response.headers()['content-type']).toBe('application/pdf')
    expect((await response.body()).subarray(0, 5).toString()).toBe('%PDF-')
  }
  await page.goto('/help/faq')
  await expect(page.getByTestId('faq-general')).toBeVisible()
  await expect(page.getByTestId('faq-project-ggzy')).toBeVisible()
  await expect(page.getByTestId('faq-manual-ggzy')).toHaveAttribute('href', '/manuals/ggzy.pdf')
  await page.getByTestId('faq-general').getByText('什么是证书助手').click()
  await expect(page.getByText('让网页使用 USB Key 的本机小程序')).toBeVisible()
})

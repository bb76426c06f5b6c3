// The channel admin's catalog editor (SPEC APP-1) against `signet serve --sandbox --demo`:
// the demo `staff` account edits a price, sees a field error for an invalid product, creates a
// channel with a cloud product, and finally puts the demo price back (other specs share the data).
import { expect, test, type Page } from '@playwright/test'
import type { Project } from '../src/api/deskTypes'
import { apiAfter, bodyText, DEMO_STAFF, loginViaApi, shot, uniqueSuffix } from './helpers'

const PRODUCT = 'zfgjj-personal-cloud'

async function zfgjj(page: Page): Promise<Project> {
  const res = await page.request.get('/api/v1/catalog/zfgjj')
  expect(res.ok()).toBe(true)
  return (await res.json()) as Project
}

/** Opens the product dialog of `code` in the editor, sets the price and saves. */
async function setPrice(page: Page, code: string, price: string): Promise<void> {
  await page.getByTestId(`catalog-admin-edit-product-${code}`).click()
  const dialog = page.getByTestId('product-dialog')
  await expect(dialog).toBeVisible()
  await dialog.getByTestId('product-form-price').fill(price)
  const saved = await apiAfter(page, 'PUT', `/api/v1/staff/catalog/projects/${(await zfgjj(page)).id}/products`, () =>
    dialog.getByTestId('product-form-save').click(),
  )
  expect(saved.ok(), await bodyText(saved)).toBe(true)
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId(`catalog-admin-price-${code}`)).toHaveText(`${price} 元/年`)
}

test.describe('catalog editor', () => {
  test('a channel admin edits prices, sees field errors and creates a channel', async ({ page, browser }) => {
    await loginViaApi(page.request, DEMO_STAFF.login, DEMO_STAFF.password)
    const before = (await zfgjj(page)).products.find((p) => p.code === PRODUCT)
    expect(before?.settings.unit_price_fen).toBe(5000)

    try {
      await page.goto('/staff')
      await page.getByTestId('staff-catalog-open').click()
      await expect(page).toHaveURL(/\/staff\/catalog$/)
      await expect(page.getByTestId('catalog-admin-project-zfgjj')).toBeVisible()
      await expect(page.getByTestId(`catalog-admin-price-${PRODUCT}`)).toHaveText('50.00 元/年')
      await shot(page, 'catalog-admin')

      // 50.00 → 60.00 元/年, seen by the public on the channel page.
      await page.getByTestId(`catalog-admin-edit-product-${PRODUCT}`).click()
      await expect(page.getByTestId('product-form-price')).toHaveValue('50.00')
      await shot(page, 'catalog-admin-product-dialog')
      await page.keyboard.press('Escape')
      await expect(page.getByTestId('product-dialog')).toBeHidden()
      await setPrice(page, PRODUCT, '60.00')
      expect((await zfgjj(page)).products.find((p) => p.code === PRODUCT)?.settings.unit_price_fen).toBe(6000)

      const visitor = await browser.newContext({ baseURL: test.info().project.use.baseURL, locale: 'zh-CN' })
      const publicPage = await visitor.newPage()
      await publicPage.goto('/channels/zfgjj')
      await expect(publicPage.getByTestId(`product-${PRODUCT}-price`)).toHaveText('60.00 元/年')
      await shot(publicPage, 'catalog-public-price')

      // No term selected: the server's settings.terms error shows at the field, nothing changes.
      await page.getByTestId(`catalog-admin-edit-product-${PRODUCT}`).click()
      const dialog = page.getByTestId('product-dialog')
      for (const n of [1, 2, 3, 4, 5]) {
        const box = dialog.getByTestId(`product-form-term-${n}`)
        if (await box.evaluate((el) => el.classList.contains('is-checked'))) await box.click()
      }
      await dialog.getByTestId('product-form-price').fill('70.00')
      const refused = await apiAfter(page, 'PUT', `/api/v1/staff/catalog/projects/${(await zfgjj(page)).id}/products`, () =>
        dialog.getByTestId('product-form-save').click(),
      )
      expect(refused.status()).toBe(400)
      expect(((await refused.json()) as { field?: string }).field).toBe('settings.terms')
      await expect(dialog.getByTestId('product-form-terms')).toContainText('证书有效期须在 1–5 年之间')
      await dialog.getByTestId('product-form-terms').scrollIntoViewIfNeeded()
      await shot(page, 'catalog-admin-terms-error')
      await dialog.getByTestId('product-form-cancel').click()
      await expect(dialog).toBeHidden()
      const unchanged = (await zfgjj(page)).products.find((p) => p.code === PRODUCT)
      expect(unchanged?.settings.unit_price_fen).toBe(6000)
      expect(unchanged?.settings.terms).toEqual(before?.settings.terms)
      await publicPage.reload()
      await expect(publicPage.getByTestId(`product-${PRODUCT}-price`)).toHaveText('60.00 元/年')

      // A new channel with one cloud product appears on /apply.
      const code = `e2e${uniqueSuffix()}`
      await page.getByTestId('catalog-admin-new-project').click()
      const projectDialog = page.getByTestId('project-dialog')
      await projectDialog.getByTestId('project-form-code').fill(code)
      await projectDialog.getByTestId('project-form-name').fill('测试渠道 E2E')
      await projectDialog.getByTestId('project-form-initial').fill('e')
      await projectDialog.getByTestId('project-form-kind-channel').click()
      await projectDialog.getByTestId('project-form-introduction').fill('端到端测试创建的渠道')
      await projectDialog.getByTestId('project-form-notices').fill('请准备身份证\n请使用本人手机号')
      await projectDialog.getByTestId('project-form-faq-add').click()
      await projectDialog.getByTestId('project-form-faq-0-question').fill('多久能拿到证书？')
      await projectDialog.getByTestId('project-form-faq-0-answer').fill('审核通过后即可下载。')
      await projectDialog.getByTestId('project-form-service-phone').fill('400-000-0000')
      await shot(page, 'catalog-admin-new-channel')
      const created = await apiAfter(page, 'PUT', '/api/v1/staff/catalog/projects', () =>
        projectDialog.getByTestId('project-form-save').click(),
      )
      expect(created.ok(), await bodyText(created)).toBe(true)
      await expect(projectDialog).toBeHidden()
      await expect(page.getByTestId(`catalog-admin-project-${code}-kind`)).toHaveText('渠道')

      await page.getByTestId(`catalog-admin-new-product-${code}`).click()
      const productDialog = page.getByTestId('product-dialog')
      await productDialog.getByTestId('product-form-code').fill(`${code}-cloud`)
      await productDialog.getByTestId('product-form-name').fill('个人云证书')
      await productDialog.getByTestId('product-form-medium-cloud').click()
      await productDialog.getByTestId('product-form-price').fill('12.5')
      await productDialog.getByTestId('product-form-material-add').click()
      await productDialog.getByTestId('product-form-material-0-kind').fill('id_front')
      await productDialog.getByTestId('product-form-material-0-label').fill('身份证人像面')
      await shot(page, 'catalog-admin-new-product')
      const product = await apiAfter(page, 'PUT', `/api/v1/staff/catalog/projects/${(await created.json()).id}/products`, () =>
        productDialog.getByTestId('product-form-save').click(),
      )
      expect(product.ok(), await bodyText(product)).toBe(true)
      await expect(productDialog).toBeHidden()
      await expect(page.getByTestId(`catalog-admin-price-${code}-cloud`)).toHaveText('12.50 元/年')

      await publicPage.goto('/apply')
      await expect(publicPage.getByTestId(`catalog-project-${code}`)).toBeVisible()
      await publicPage.getByTestId(`catalog-project-${code}`).click()
      await expect(publicPage.getByTestId(`product-${code}-cloud-price`)).toHaveText('12.50 元/年')
      await shot(publicPage, 'catalog-public-new-channel')
      await visitor.close()

      // Back to the demo price.
      await setPrice(page, PRODUCT, '50.00')
    } finally {
      // Whatever happened above, leave the demo price for the other specs.
      const now = (await zfgjj(page)).products.find((p) => p.code === PRODUCT)
      if (before && now && now.settings.unit_price_fen !== 5000) {
        const token = ((await (await page.request.get('/api/v1/session')).json()) as { csrf_token: string }).csrf_token
        await page.request.put(`/api/v1/staff/catalog/projects/${before.project_id}/products`, {
          headers: { 'X-CSRF-Token': token },
          data: { ...before, settings: { ...before.settings, unit_price_fen: 5000 } },
        })
      }
    }
    expect((await zfgjj(page)).products.find((p) => p.code === PRODUCT)?.settings.unit_price_fen).toBe(5000)
  })
})

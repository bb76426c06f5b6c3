// 费用中心（ES-5）：演示企业的管理员 ecadmin 打开费用中心，选择“标准包 100 份”用微信支付购买，
// 在沙箱模拟支付页点击支付成功，回到费用中心看到剩余合同份数增加 100，购买记录中出现这笔购买。
import { expect, test } from '@playwright/test'
import { demoEnterpriseId } from './contractsFixture'
import { shot } from './helpers'

test.describe('billing', () => {
  test('the administrator buys a package in the sandbox and the quota goes up', async ({ page, context }) => {
    await page.setViewportSize({ width: 1366, height: 900 })
    const enterprise = await demoEnterpriseId(page.request)
    await page.goto(`/enterprises/${enterprise}/billing`)
    const balance = page.getByTestId('billing-balance')
    await expect(balance).toHaveText(/^\d+$/)
    const before = Number(await balance.textContent())
    await expect(page.getByTestId('billing-package-100')).toBeVisible()
    await shot(page, 'billing-packages')

    await page.getByTestId('billing-buy-100').click()
    await expect(page.getByTestId('billing-pay-qr')).toBeVisible()
    await shot(page, 'billing-pay-qr')
    const [payPage] = await Promise.all([context.waitForEvent('page'), page.getByTestId('billing-sandbox-link').click()])
    await payPage.getByTestId('sandbox-pay-success').click()
    await expect(payPage.getByTestId('sandbox-pay-result')).toHaveAttribute('data-state', 'paid')
    await payPage.close()

    await expect(page.getByTestId('billing-pay-result')).toHaveAttribute('data-state', 'paid', { timeout: 15_000 })
    await page.getByTestId('billing-pay-close').click()
    await expect(balance).toHaveText(String(before + 100))
    await page.getByRole('tab', { name: '购买记录' }).click()
    await expect(page.getByTestId('billing-records-purchase')).toContainText('标准包 100 份')
    await shot(page, 'billing-after-purchase')
  })
})

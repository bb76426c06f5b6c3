// The public verification page (/verify, ES-15), without logging in: a PDF signed on this
// platform (a manual PDF signed at B-T by `signet pdf sign` under a certificate that
// `signet ca issue` makes from the demo CA, stamped by the platform's TSA) is valid; the same
// file with one byte changed is not; a file that is not a PDF gets a clear error. At 1366 and
// 390 px, with screenshots.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type Page } from '@playwright/test'
import { shot } from './helpers'

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SIGNET_BIN = path.resolve(webDir, process.env.SIGNET_BIN ?? '../target/debug/signet')
const DATA = process.env.SIGNET_E2E_DATA as string

function signet(args: string[]): string {
  return execFileSync(SIGNET_BIN, ['--data', DATA, ...args], { encoding: 'utf8', timeout: 60_000 })
}

let signed: Buffer

test.beforeAll(async ({ request, baseURL }) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'signet-verify-'))
  const manual = await request.get('/manuals/ggzy.pdf')
  expect(manual.ok()).toBeTruthy()
  writeFileSync(path.join(dir, 'manual.pdf'), await manual.body())
  const certs = path.join(dir, 'signer')
  signet([
    'ca', 'issue', '--ca', 'ecc', '--profile', 'enterprise',
    '--subject', 'CN=验签测试有限公司,O=验签测试有限公司,serialNumber=91110108MA01ABCD1E,C=CN',
    '--out', certs,
  ])
  signet([
    'pdf', 'sign', '--in', path.join(dir, 'manual.pdf'), '--out', path.join(dir, 'signed.pdf'),
    '--cert', path.join(certs, 'cert.pem'), '--key', path.join(certs, 'key.pem'),
    '--chain', path.join(certs, 'chain.pem'), '--level', 'B-T', '--tsa', `${baseURL}/pki/ecc/tsa`,
  ])
  signed = readFileSync(path.join(dir, 'signed.pdf'))
})

async function upload(page: Page, name: string, buffer: Buffer, mimeType = 'application/pdf'): Promise<void> {
  await page.getByTestId('verify-file').setInputFiles({ name, mimeType, buffer })
}

for (const width of [1366, 390]) {
  test(`verify page at ${width}px: valid, one byte changed, not a PDF`, async ({ page }) => {
    await page.setViewportSize({ width, height: width > 800 ? 900 : 844 })
    await page.goto('/verify')
    await expect(page.getByRole('heading', { name: '文件验证' })).toBeVisible()
    await expect(page.getByTestId('verify-drop')).toContainText('将 PDF 文件拖到这里')
    // No login needed: the page is open and the header offers to log in.
    await expect(page.getByTestId('verify-page')).toBeVisible()

    await upload(page, 'signed.pdf', signed)
    await expect(page.getByTestId('verify-verdict-valid')).toBeVisible({ timeout: 30_000 })
    await expect(page.getByTestId('verify-verdict-valid')).toContainText('验证通过')
    const first = page.getByTestId('verify-signature-1')
    await expect(page.getByTestId('verify-status-1')).toHaveText('有效')
    await expect(first).toContainText('签署单位：验签测试有限公司')
    await expect(first).toContainText('本平台 CA')
    await expect(first).toContainText('可信时间戳')
    await expect(first).toContainText('PAdES B-T')
    const noOverflow = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)
    expect(noOverflow).toBeTruthy()
    await shot(page, `verify-valid-${width}`)

    const tampered = Buffer.from(signed)
    // Inside the first revision's first stream, not a signature's /Contents hole.
    const at = tampered.indexOf('stream') + 20
    tampered[at] = (tampered[at] ?? 0) ^ 0x01
    await upload(page, 'tampered.pdf', tampered)
    await expect(page.getByTestId('verify-verdict-invalid')).toBeVisible({ timeout: 30_000 })
    await expect(page.getByTestId('verify-verdict-invalid')).toContainText('验证未通过')
    await expect(page.getByTestId('verify-status-1')).toHaveText('无效')
    await expect(page.getByTestId('verify-signature-1')).toContainText('签名所覆盖的内容已被改动')
    await shot(page, `verify-tampered-${width}`)

    await upload(page, 'notes.txt', Buffer.from('这不是 PDF 文件'), 'text/plain')
    await expect(page.getByTestId('verify-error')).toContainText('不是 PDF 文件')
    await shot(page, `verify-not-pdf-${width}`)
  })
}

test('verify page in English', async ({ page }) => {
  await page.goto('/verify')
  await page.evaluate(() => localStorage.setItem('signet.locale', 'en'))
  await page.reload()
  await expect(page.getByRole('heading', { name: 'Verify a file' })).toBeVisible()
  await upload(page, 'signed.pdf', signed)
  await expect(page.getByTestId('verify-verdict-valid')).toContainText('Verified')
  await expect(page.getByTestId('verify-signature-1')).toContainText('issued by this platform')
  await shot(page, 'verify-valid-en')
})

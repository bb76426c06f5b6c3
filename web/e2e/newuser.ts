// Fixtures and checks for the "as a new user finds it" spec (issue 13): an applicant with a
// completed cloud certificate and a draft at its confirmation step, the phone-layout check and
// the link crawler.
import { expect, type APIRequestContext, type Page } from '@playwright/test'
import { creditCheckCharacter, idCheckDigit } from '../src/utils/ids'
import { apiJson, inboxCode, PNG_1X1, solvedCaptcha, uniquePhone } from './helpers'

const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('')

export const idNumber = (birth = '19900101'): string => {
  const first17 = `350102${birth}${digits(3)}`
  return `${first17}${idCheckDigit(first17)}`
}

export const creditCode = (): string => {
  const first17 = `91350100MA${digits(7)}`
  return `${first17}${creditCheckCharacter(first17)}`
}

/** A mobile number the sandbox's three-factor check passes. */
export const mobile = (): string => {
  const phone = uniquePhone()
  return phone.endsWith('0000') ? mobile() : phone
}

export interface OrderRef {
  id: string
  number: string
}

async function productId(request: APIRequestContext, code: string): Promise<string> {
  const catalog = (await (await request.get('/api/v1/catalog')).json()) as { products: { id: string; code: string }[] }[]
  const product = catalog.flatMap((p) => p.products).find((p) => p.code === code)
  expect(product, `demo product ${code}`).toBeTruthy()
  return (product as { id: string }).id
}

async function upload(request: APIRequestContext, orderId: string, kind: string): Promise<string> {
  const csrf = (await (await request.get('/api/v1/session')).json()) as { csrf_token: string }
  const uploaded = await request.post(`/api/v1/orders/${orderId}/materials`, {
    headers: { 'X-CSRF-Token': csrf.csrf_token },
    multipart: { kind, file: { name: `${kind}.png`, mimeType: 'image/png', buffer: PNG_1X1 } },
  })
  expect(uploaded.status(), await uploaded.text()).toBe(201)
  return ((await uploaded.json()) as { id: string }).id
}

/** A zfgjj-personal-cloud order with its form filled (the wizard resumes at 确认提交). */
export async function personalDraft(request: APIRequestContext, name: string, phone: string): Promise<OrderRef> {
  const order = await apiJson<OrderRef>(request, 'POST', '/api/v1/orders', { product_id: await productId(request, 'zfgjj-personal-cloud') })
  const materials: Record<string, string> = {}
  for (const kind of ['id_front', 'id_back']) materials[kind] = await upload(request, order.id, kind)
  await apiJson(request, 'PUT', `/api/v1/orders/${order.id}/form`, {
    term_years: 1,
    quantity: 1,
    person: { name, id_number: idNumber('19880808'), phone, email: 'newuser@example.com', address: '福州市鼓楼区软件大道 1 号', department: '财务部' },
    materials,
  })
  return order
}

/** Signs, checks (three-factor), pays (Alipay sandbox) and has staff approve: a cloud order completes. */
export async function completePersonal(request: APIRequestContext, staff: APIRequestContext, order: OrderRef, phone: string): Promise<string> {
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/signing-code`, await solvedCaptcha(request))
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/submit`, { agree: true, sms_code: await inboxCode(request, phone, 'sms') })
  await apiJson(request, 'POST', `/api/v1/orders/${order.id}/verifications`, { party: 'person', method: 'three_factor' })
  const payment = await apiJson<{ id: string }>(request, 'POST', `/api/v1/orders/${order.id}/payments`, { channel: 'alipay' })
  await apiJson(request, 'POST', `/dev/payments/${payment.id}`, { result: 'paid' })
  await apiJson(staff, 'POST', `/api/v1/staff/orders/${order.id}/approve`)
  let serial = ''
  await expect
    .poll(async () => {
      const d = (await (await request.get(`/api/v1/orders/${order.id}`)).json()) as { state: string; certificates: string[] }
      serial = d.certificates[0] ?? ''
      return d.state
    }, { message: `order ${order.number} completes`, timeout: 20_000 })
    .toBe('completed')
  return serial
}

/**
 * What is wrong with the page's layout on a phone: anything wider than the viewport or cut off
 * by a box that does not scroll, and text squeezed narrower than two characters (labels set one
 * character per line) or inputs too narrow to type in. With `tablesMayScroll` false (the
 * applicant's pages), a table that scrolls sideways is a problem too: phones get cards there.
 */
export async function layoutProblems(page: Page, { tablesMayScroll = true } = {}): Promise<string[]> {
  return page.evaluate((tablesMayScroll) => {
    const vw = document.documentElement.clientWidth
    const problems: string[] = []
    const name = (el: Element): string => {
      const id = el.getAttribute('data-testid')
      const cls = [...el.classList].slice(0, 2).join('.')
      return `<${el.tagName.toLowerCase()}${id ? ` data-testid=${id}` : ''}${cls ? ` class=${cls}` : ''}> “${(el.textContent ?? '').trim().slice(0, 24)}”`
    }
    const visible = (el: Element): boolean => {
      const s = getComputedStyle(el)
      const r = el.getBoundingClientRect()
      return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0 && Number(s.opacity) > 0
    }
    /** The box that limits `el` horizontally: the nearest clipping ancestor, or null when one scrolls. */
    const limit = (el: Element): { left: number; right: number } | null => {
      for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
        const s = getComputedStyle(p)
        if (s.position === 'fixed') return { left: 0, right: vw }
        if (s.overflowX === 'auto' || s.overflowX === 'scroll') return null
        // A tab bar wider than the screen scrolls by its arrows.
        if (p.classList.contains('el-tabs__nav-scroll')) return null
        if (s.overflowX === 'hidden' || s.overflowX === 'clip') {
          const r = p.getBoundingClientRect()
          return { left: Math.max(r.left, 0), right: Math.min(r.right, vw) }
        }
      }
      return { left: 0, right: vw }
    }
    if (document.documentElement.scrollWidth > vw + 1) {
      problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px wide in ${vw} px)`)
    }
    if (!tablesMayScroll) {
      for (const table of document.body.querySelectorAll('.el-table')) {
        const body = table.querySelector('.el-table__body')
        if (!visible(table) || !body) continue
        const inner = body.getBoundingClientRect().width
        const outer = table.getBoundingClientRect().width
        if (inner > outer + 1) {
          problems.push(`${name(table)} scrolls sideways (${Math.round(inner)} px of rows in ${Math.round(outer)} px): use cards on a phone`)
        }
      }
    }
    for (const el of document.body.querySelectorAll('*')) {
      if (!visible(el) || el.closest('[aria-hidden="true"], .el-popper, svg')) continue
      const r = el.getBoundingClientRect()
      // A table scrolls sideways inside its own box (its header follows the body's scroll).
      const box = el.closest('.el-table') ? null : limit(el)
      if (box && (r.right > box.right + 1 || r.left < box.left - 1) && r.width > 4) {
        problems.push(`${name(el)} sticks out (${Math.round(r.left)}–${Math.round(r.right)} px, room ${Math.round(box.left)}–${Math.round(box.right)})`)
      }
      const fontSize = parseFloat(getComputedStyle(el).fontSize) || 14
      if ((el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') && (el as HTMLInputElement).type !== 'checkbox' && (el as HTMLInputElement).type !== 'radio' && r.width < 2 * fontSize) {
        problems.push(`${name(el)} is ${Math.round(r.width)} px wide, under two characters`)
      }
      for (const node of el.childNodes) {
        const text = node.nodeType === Node.TEXT_NODE ? (node.textContent ?? '').trim() : ''
        if ([...text].length < 2) continue
        const range = document.createRange()
        range.selectNodeContents(node)
        const lines = new Set([...range.getClientRects()].map((c) => Math.round(c.top)))
        const width = range.getBoundingClientRect().width
        if (lines.size >= 2 && width < 2 * fontSize - 0.5) {
          problems.push(`${name(el)}: “${text.slice(0, 12)}” is set ${Math.round(width)} px wide, one character per line`)
        }
      }
    }
    return [...new Set(problems)].slice(0, 20)
  }, tablesMayScroll)
}

/** Waits until the page's requests settle and Element Plus has laid it out. */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(250)
}

/** Same-origin links on the page, as paths with their query. */
export async function linksOn(page: Page): Promise<string[]> {
  const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href))
  const origin = new URL(page.url()).origin
  const out = new Set<string>()
  for (const href of hrefs) {
    const url = new URL(href)
    if (url.origin !== origin || url.protocol === 'javascript:') continue
    out.add(`${url.pathname}${url.search}`)
  }
  return [...out]
}

/** Paths the app serves as files (downloads and API links), checked by request, not opened. */
export const isFile = (path: string): boolean => /^\/(api|pki|help|downloads)\//.test(path) || /\.(pdf|crt|crl|pem|cer|zip|exe|gz)(\?|$)/.test(path)

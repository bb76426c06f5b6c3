// Catalog links (issue 12, finding 10): only https and same-site links are rendered as links, on
// the channel page and in the key agent notice, whatever the catalog holds.
import ElementPlus from 'element-plus'
import { createPinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick, type App } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import AgentNotice from '@/components/lifecycle/AgentNotice.vue'
import { i18n } from '@/i18n'
import { safeLink } from '@/utils/links'
import ChannelView from '@/views/desk/ChannelView.vue'

const catalog = vi.hoisted(() => ({ manual: '', client: '' }))

function project() {
  return {
    id: 'p1',
    code: 'links',
    name: '链接测试渠道',
    initial: 'L',
    kind: 'channel',
    products: [],
    help: {
      landing_title: '链接测试',
      introduction: '',
      notices: [],
      manual_url: catalog.manual,
      client_download_url: catalog.client,
      faq: [],
      service_phone: '',
      service_email: '',
      service_hours: '',
    },
  }
}

vi.mock('@/api/desk', () => ({
  desk: {
    catalog: async () => [project()],
    project: async () => project(),
  },
  staff: {},
}))

const UNSAFE = [
  'javascript:alert(document.cookie)',
  'JavaScript:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'http://ca.example.com/manual.pdf',
  '//evil.example/agent.exe',
  '/\\evil.example/agent.exe',
  'https://',
  'https://user:secret@evil.example/',
]

describe('safeLink', () => {
  it('keeps https links and same-site paths', () => {
    for (const url of ['https://ca.example.com/manual.pdf?v=2#p1', '/help/signet-agent', 'manual.pdf', '/a:b']) {
      expect(safeLink(url)).toBe(url)
    }
  })

  it('drops every other scheme and the tricks browsers fold into one', () => {
    for (const url of [...UNSAFE, '', null, undefined]) expect(safeLink(url)).toBeNull()
  })
})

let app: App | null = null
let root: HTMLElement | undefined

async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) {
    await nextTick()
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}

async function mount(render: () => ReturnType<typeof h>, router?: ReturnType<typeof createRouter>): Promise<void> {
  root = document.createElement('div')
  document.body.appendChild(root)
  app = createApp(defineComponent({ render }))
  app.use(i18n)
  app.use(ElementPlus)
  app.use(createPinia())
  if (router) app.use(router)
  app.mount(root)
  await settle()
}

async function channelPage(): Promise<void> {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/channels/:code', name: 'channel', component: ChannelView },
      { path: '/apply', name: 'apply', component: { render: () => null } },
      { path: '/login', name: 'login', component: { render: () => null } },
    ],
  })
  await router.push('/channels/links')
  await router.isReady()
  await mount(() => h(RouterView), router)
}

function find(selector: string): HTMLElement | null {
  return root?.querySelector<HTMLElement>(selector) ?? null
}

function link(id: string): HTMLElement | null {
  return find(`[data-testid="${id}"]`)
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

function unmount(): void {
  app?.unmount()
  app = null
  root?.remove()
  root = undefined
}

afterEach(unmount)

describe('catalog links on the page', () => {
  it('the channel page renders https and same-site links', async () => {
    catalog.manual = 'https://ca.example.com/manual.pdf'
    catalog.client = '/help/signet-agent'
    await channelPage()
    expect(link('channel-manual')?.getAttribute('href')).toBe('https://ca.example.com/manual.pdf')
    expect(link('channel-client')?.getAttribute('href')).toBe('/help/signet-agent')
  })

  it('the channel page renders no link for any other URL', async () => {
    for (const url of UNSAFE) {
      catalog.manual = url
      catalog.client = url
      await channelPage()
      expect(link('channel-title')).not.toBeNull()
      expect(link('channel-manual')).toBeNull()
      expect(link('channel-client')).toBeNull()
      expect(root?.innerHTML).not.toMatch(/href="[^"]*script:/i)
      unmount()
    }
  })

  it("the agent notice links to the platform's own install page, whatever the catalog holds", async () => {
    catalog.client = 'javascript:alert(document.cookie)'
    await mount(() => h(AgentNotice, { present: false }))
    expect(link('agent-missing')).not.toBeNull()
    expect(link('agent-download')?.getAttribute('href')).toBe('/help/signet-agent')
    // Never a developer's command line (issue 13).
    expect(root?.textContent).not.toMatch(/signet agent|signet-agent --|`/)
    expect(root?.innerHTML).not.toMatch(/href="[^"]*script:/i)
  })

  it('the agent notice asks for an update when the platform offers a newer agent', async () => {
    await mount(() => h(AgentNotice, { present: true, status: { agent: 'signet-agent', version: '0.1.0', latest_version: '0.2.0', update_available: true } }))
    expect(link('agent-outdated')?.textContent).toContain('0.2.0')
    unmount()
    await mount(() => h(AgentNotice, { present: true, status: { agent: 'signet-agent', version: '0.2.0', latest_version: '0.2.0', update_available: false } }))
    expect(link('agent-notice')).toBeNull()
  })
})

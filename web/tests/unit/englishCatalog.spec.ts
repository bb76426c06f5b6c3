// The English UI shows the catalog's English FAQ and material labels (issue 13), and the Chinese
// where none was saved; the Chinese UI keeps the Chinese.
import ElementPlus from 'element-plus'
import { createPinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick, type App } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import type { OrderDetail } from '@/api/deskTypes'
import { i18n } from '@/i18n'
import StaffMaterials from '@/views/staff/StaffMaterials.vue'
import FaqView from '@/views/help/FaqView.vue'

function project() {
  return {
    id: 'p1',
    code: 'ggzy',
    name: '公共资源交易平台',
    initial: 'G',
    kind: 'project',
    products: [],
    help: {
      landing_title: '公共资源交易 CA 数字证书在线办理',
      introduction: '',
      notices: [],
      manual_url: '',
      client_download_url: '',
      faq: [
        {
          question: '发货前可以修改收货地址吗？',
          answer: '可以。',
          question_en: 'Can I change the delivery address before shipping?',
          answer_en: 'Yes, until a tracking number is assigned.',
        },
        { question: '只有中文的问题？', answer: '只有中文的回答。', question_en: '', answer_en: '' },
      ],
      service_phone: '',
      service_email: '',
      service_hours: '',
      english: {
        name: 'Public Resource Trading Platform',
        landing_title: 'Public resource trading: CA certificates online',
        introduction: '',
        notices: [],
        service_hours: '',
      },
    },
  }
}

vi.mock('@/api/desk', () => ({
  desk: { catalog: async () => [project()] },
  deskUrls: { staffMaterial: (id: string) => `/api/v1/staff/materials/${id}` },
  staff: {},
}))

let app: App | null = null
let root: HTMLElement | undefined

async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) {
    await nextTick()
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}

async function mount(render: () => ReturnType<typeof h>, router?: ReturnType<typeof createRouter>): Promise<string> {
  root = document.createElement('div')
  document.body.appendChild(root)
  app = createApp(defineComponent({ render }))
  app.use(i18n)
  app.use(ElementPlus)
  app.use(createPinia())
  if (router) app.use(router)
  app.mount(root)
  await settle()
  return root.textContent ?? ''
}

async function faqPage(): Promise<string> {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/help/faq', component: FaqView },
      { path: '/help/signet-agent', component: { render: () => null } },
    ],
  })
  await router.push('/help/faq')
  await router.isReady()
  return mount(() => h(RouterView), router)
}

function detail(): OrderDetail {
  return {
    product: {
      settings: {
        materials: [
          { kind: 'business_licence', label: '营业执照（加盖公章）', label_en: 'Business licence (with the official seal)', required: true, max_bytes: 1 },
          { kind: 'authorisation_letter', label: '授权书', label_en: '', required: true, max_bytes: 1 },
        ],
      },
    },
    form: { materials: { business_licence: 'm1', authorisation_letter: 'm2' } },
  } as unknown as OrderDetail
}

afterEach(() => {
  app?.unmount()
  app = null
  root?.remove()
  root = undefined
  i18n.global.locale.value = 'zh-CN'
})

describe('the FAQ page', () => {
  it('shows English questions, answers and the project title in the English UI', async () => {
    i18n.global.locale.value = 'en'
    const text = await faqPage()
    expect(text).toContain('Can I change the delivery address before shipping?')
    expect(text).toContain('Yes, until a tracking number is assigned.')
    expect(text).toContain('Public resource trading: CA certificates online')
    expect(text).not.toContain('发货前可以修改收货地址吗')
    // No English saved: the Chinese stands rather than an empty line.
    expect(text).toContain('只有中文的问题？')
  })

  it('keeps the Chinese in the Chinese UI', async () => {
    const text = await faqPage()
    expect(text).toContain('发货前可以修改收货地址吗？')
    expect(text).not.toContain('Can I change the delivery address')
  })
})

describe('material labels', () => {
  it('are English in the English UI, Chinese where no English was saved', async () => {
    i18n.global.locale.value = 'en'
    const text = await mount(() => h(StaffMaterials, { detail: detail() }))
    expect(text).toContain('Business licence (with the official seal)')
    expect(text).not.toContain('营业执照')
    expect(text).toContain('授权书')
  })

  it('are Chinese in the Chinese UI', async () => {
    const text = await mount(() => h(StaffMaterials, { detail: detail() }))
    expect(text).toContain('营业执照（加盖公章）')
    expect(text).not.toContain('Business licence')
  })
})

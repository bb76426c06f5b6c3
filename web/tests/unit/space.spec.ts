import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Spaces } from '@/api/contracts'

const spaces = vi.fn<() => Promise<Spaces>>()
vi.mock('@/api/contracts', () => ({ contracts: { spaces: () => spaces() } }))

const { useSpaceStore } = await import('@/stores/space')

const admin: Spaces = {
  real_named: true,
  person: null,
  enterprises: [{ enterprise_id: 'e1', name: '豫云签演示科技有限公司', state: 'certified', role: 'admin' }],
  landing: 'e1',
}

describe('spaces', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
    spaces.mockReset()
  })

  it('lands a certified administrator in the enterprise space after login', async () => {
    spaces.mockResolvedValue(admin)
    const store = useSpaceStore()
    expect(await store.landAfterLogin()).toBe('e1')
    expect(store.enterprise?.name).toBe('豫云签演示科技有限公司')
    expect(localStorage.getItem('signet.space')).toBe('e1')
  })

  it('falls back to the personal space when the remembered enterprise is gone', async () => {
    localStorage.setItem('signet.space', 'gone')
    spaces.mockResolvedValue({ ...admin, enterprises: [], landing: 'personal' })
    const store = useSpaceStore()
    await store.load()
    expect(store.current).toBe('personal')
    expect(store.enterprise).toBeNull()
  })

  it('stays personal when the spaces cannot be read', async () => {
    spaces.mockRejectedValue(new Error('offline'))
    const store = useSpaceStore()
    expect(await store.landAfterLogin()).toBe('personal')
  })
})

import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { guardTarget, routes, safeRedirect } from '@/router'

const page = (name: string, meta: Record<string, boolean> = {}, fullPath = `/${name}`) => ({ name, meta, fullPath })

describe('router guard', () => {
  it('keeps a user who must set a password on the set-password page', () => {
    const state = { signedIn: true, mustSetPassword: true }
    expect(guardTarget(page('account', { requiresAuth: true }), state)).toEqual({ name: 'set-password' })
    expect(guardTarget(page('home'), state)).toEqual({ name: 'set-password' })
    expect(guardTarget(page('set-password', { requiresAuth: true }), state)).toBeNull()
  })

  it('sends visitors to login with a redirect', () => {
    const state = { signedIn: false, mustSetPassword: false }
    expect(guardTarget(page('account', { requiresAuth: true }, '/account'), state)).toEqual({
      name: 'login',
      query: { redirect: '/account' },
    })
    expect(guardTarget(page('login', { guestOnly: true }), state)).toBeNull()
  })

  it('sends signed-in users away from guest pages and from set-password', () => {
    const state = { signedIn: true, mustSetPassword: false }
    expect(guardTarget(page('login', { guestOnly: true }), state)).toEqual({ name: 'account' })
    expect(guardTarget(page('set-password', { requiresAuth: true }), state)).toEqual({ name: 'account' })
    expect(guardTarget(page('account', { requiresAuth: true }), state)).toBeNull()
  })

  it('only follows in-app redirects', () => {
    expect(safeRedirect('/account')).toBe('/account')
    expect(safeRedirect('//evil.example')).toBe('/account')
    expect(safeRedirect('https://evil.example')).toBe('/account')
    expect(safeRedirect(undefined)).toBe('/account')
  })

  it('lets anybody open sandbox and phone-upload pages', () => {
    const open = page('mobile-upload', { open: true })
    expect(guardTarget(open, { signedIn: false, mustSetPassword: false })).toBeNull()
    expect(guardTarget(open, { signedIn: true, mustSetPassword: true })).toBeNull()
  })

  it('keeps the staff console for CA staff', () => {
    const console = page('staff', { requiresAuth: true, requiresStaff: true })
    expect(guardTarget(console, { signedIn: false, mustSetPassword: false })).toEqual({
      name: 'login',
      query: { redirect: '/staff' },
    })
    expect(guardTarget(console, { signedIn: true, mustSetPassword: false, isStaff: false })).toEqual({ name: 'home' })
    expect(guardTarget(console, { signedIn: true, mustSetPassword: false, isStaff: true })).toBeNull()
  })

  it('opens the URL printed in a page QR code without login', () => {
    // The path is on paper already (crates/core launch::templates::page_url): it must not move.
    const memory = createRouter({ history: createMemoryHistory(), routes })
    const found = memory.resolve('/verify/tasks/5f0c6a43-8a57-4d0e-9d1c-2b6f3c1e9a70/documents/0/pages/2')
    expect(found.name).toBe('verify-page')
    expect(found.params).toEqual({ task: '5f0c6a43-8a57-4d0e-9d1c-2b6f3c1e9a70', n: '0', page: '2' })
    expect(found.meta.open).toBe(true)
    expect(guardTarget(page('verify-page', { open: true }, found.fullPath), { signedIn: false, mustSetPassword: false })).toBeNull()
  })
})

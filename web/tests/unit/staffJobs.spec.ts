import { describe, expect, it } from 'vitest'
import { ApiClient } from '@/api/client'
import { jobsApi } from '@/api/jobs'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { guardTarget, routes } from '@/router'

describe('the dead-letter jobs page', () => {
  it('is a staff page', () => {
    const route = routes.find((r) => r.name === 'staff-jobs')
    expect(route?.path).toBe('/staff/jobs')
    const page = { name: 'staff-jobs', meta: route?.meta as Record<string, boolean>, fullPath: '/staff/jobs' }
    expect(guardTarget(page, { signedIn: true, mustSetPassword: false, isStaff: false })).toEqual({ name: 'home' })
    expect(guardTarget(page, { signedIn: true, mustSetPassword: false, isStaff: true })).toBeNull()
  })

  it('lists dead jobs and retries one by id', async () => {
    const calls: { method: string; url: string }[] = []
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input)
      calls.push({ method: init?.method ?? 'GET', url })
      if (url.endsWith('/api/v1/session')) {
        return new Response(JSON.stringify({ csrf_token: 't', user: null, must_set_password: false }), {
          headers: { 'content-type': 'application/json' },
        })
      }
      return new Response(JSON.stringify(url.includes('/retry') ? { id: 'a/b' } : []), {
        headers: { 'content-type': 'application/json' },
      })
    }) as typeof globalThis.fetch
    const api = jobsApi(new ApiClient({ fetch }))
    expect(await api.dead()).toEqual([])
    await api.retry('a/b')
    const paths = calls.filter((c) => !c.url.endsWith('/api/v1/session')).map((c) => `${c.method} ${c.url}`)
    expect(paths).toEqual(['GET /api/v1/staff/jobs?status=dead&limit=200', 'POST /api/v1/staff/jobs/a%2Fb/retry'])
  })

  it('speaks both languages', () => {
    expect(zhCN.jobs.title).toBe('死信任务')
    expect(en.jobs.retry).toBe('Retry')
  })
})

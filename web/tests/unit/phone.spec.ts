import { describe, expect, it } from 'vitest'
import { effectScope } from 'vue'
import { ApiError, networkProblem } from '@/api/client'
import { absoluteLink } from '@/api/phone'
import { useLongPoll } from '@/composables/useLongPoll'
import { guardTarget, routes } from '@/router'

describe('phone links', () => {
  it('makes server paths absolute on this site and keeps absolute links', () => {
    expect(absoluteLink('/m/qr-login/abc', 'http://pc.example:8080')).toBe('http://pc.example:8080/m/qr-login/abc')
    expect(absoluteLink('https://sign.example/m/handwriting/x', 'http://other')).toBe('https://sign.example/m/handwriting/x')
  })

  it('asks a signed-out phone to log in before confirming, and opens the drawing page to anybody', () => {
    const confirm = routes.find((r) => r.name === 'qr-confirm')
    const pad = routes.find((r) => r.name === 'handwriting-pad')
    expect(confirm?.meta?.requiresAuth).toBe(true)
    const out = { signedIn: false, mustSetPassword: false }
    expect(guardTarget({ name: 'qr-confirm', meta: confirm?.meta ?? {}, fullPath: '/m/qr-login/s' }, out)).toEqual({
      name: 'login',
      query: { redirect: '/m/qr-login/s' },
    })
    expect(guardTarget({ name: 'handwriting-pad', meta: pad?.meta ?? {}, fullPath: '/m/handwriting/t' }, out)).toBeNull()
  })
})

describe('long polling', () => {
  it('asks again while the answer is not final, retries network failures, then hands over', async () => {
    const answers: Array<string | Error> = ['pending', new ApiError(networkProblem('down')), 'pending', 'confirmed']
    const seen: string[] = []
    let asked = 0
    const scope = effectScope()
    const done = new Promise<string>((resolve) => {
      scope.run(() =>
        useLongPoll<string>({
          ask: async () => {
            const next = answers[asked++]
            if (next instanceof Error) throw next
            seen.push(next ?? '')
            return next ?? ''
          },
          settled: (a) => a !== 'pending',
          done: (a) => resolve(a),
          failed: () => resolve('failed'),
        }).start(),
      )
    })
    expect(await done).toBe('confirmed')
    expect(seen).toEqual(['pending', 'pending', 'confirmed'])
    scope.stop()
  })

  it('stops on an error answered by the server', async () => {
    const scope = effectScope()
    const problem = { ...networkProblem('x'), status: 403, code: 'qr_login_other_session' }
    const outcome = await new Promise<unknown>((resolve) => {
      scope.run(() =>
        useLongPoll<string>({
          ask: () => Promise.reject(new ApiError(problem)),
          settled: () => true,
          done: () => resolve('done'),
          failed: (err) => resolve(err),
        }).start(),
      )
    })
    expect(outcome).toBeInstanceOf(ApiError)
    expect((outcome as ApiError).code).toBe('qr_login_other_session')
    scope.stop()
  })
})

import { onScopeDispose } from 'vue'
import { ApiError } from '@/api/client'

/**
 * Repeats a long poll (`ask`, which the server holds until something changes) until `settled`
 * says its answer is final, then hands that answer to `done`. A network failure is retried after
 * a second; an answer of the server that is an error ends the loop through `failed`. Starting
 * again, or the component going away, aborts the poll in flight.
 */
export function useLongPoll<T>(options: {
  ask: (signal: AbortSignal) => Promise<T>
  settled: (answer: T) => boolean
  done: (answer: T) => void | Promise<void>
  failed: (error: unknown) => void
}) {
  let controller: AbortController | null = null

  function stop(): void {
    controller?.abort()
    controller = null
  }

  async function start(): Promise<void> {
    stop()
    const own = new AbortController()
    controller = own
    while (!own.signal.aborted) {
      try {
        const answer = await options.ask(own.signal)
        if (own.signal.aborted) return
        if (options.settled(answer)) {
          controller = null
          await options.done(answer)
          return
        }
      } catch (err) {
        if (own.signal.aborted) return
        if (err instanceof ApiError && err.status !== 0) {
          controller = null
          options.failed(err)
          return
        }
        await new Promise((resolve) => setTimeout(resolve, 1000))
      }
    }
  }

  onScopeDispose(stop)
  return { start, stop }
}

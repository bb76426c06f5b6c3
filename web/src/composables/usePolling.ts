import { onScopeDispose, ref } from 'vue'

/**
 * Runs `task` every `intervalMs` until `stop()` (or the component goes away). Runs never
 * overlap; a failing run is ignored and the next one tried.
 */
export function usePolling(task: () => Promise<unknown>, intervalMs = 2000) {
  const active = ref(false)
  let timer: ReturnType<typeof setTimeout> | null = null

  function schedule(): void {
    timer = setTimeout(async () => {
      timer = null
      if (!active.value) return
      try {
        await task()
      } catch {
        // Try again on the next tick.
      }
      if (active.value) schedule()
    }, intervalMs)
  }

  function start(): void {
    if (active.value) return
    active.value = true
    schedule()
  }

  function stop(): void {
    active.value = false
    if (timer !== null) {
      clearTimeout(timer)
      timer = null
    }
  }

  onScopeDispose(stop)

  return { active, start, stop }
}

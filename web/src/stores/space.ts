import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { contracts, type Spaces } from '@/api/contracts'

const STORAGE_KEY = 'signet.space'

/** The e-contract spaces of the signed-in person and the one they work in now (ES-4). */
export const useSpaceStore = defineStore('space', () => {
  const spaces = ref<Spaces | null>(null)
  /** `personal` or an enterprise id. */
  const current = ref<string>(readStored())

  const enterprise = computed(
    () => spaces.value?.enterprises.find((e) => e.enterprise_id === current.value) ?? null,
  )

  function readStored(): string {
    try {
      return globalThis.localStorage?.getItem(STORAGE_KEY) ?? 'personal'
    } catch {
      return 'personal'
    }
  }

  function choose(id: string): void {
    current.value = id
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, id)
    } catch {
      // Not remembered: private mode.
    }
  }

  /** Reads the spaces; a remembered space the person no longer belongs to falls back. */
  async function load(): Promise<Spaces | null> {
    try {
      spaces.value = await contracts.spaces()
    } catch {
      spaces.value = null
    }
    if (current.value !== 'personal' && !enterprise.value) choose('personal')
    return spaces.value
  }

  /** After login: a certified administrator lands in the enterprise's space. */
  async function landAfterLogin(): Promise<string> {
    const found = await load()
    choose(found?.landing ?? 'personal')
    return current.value
  }

  function clear(): void {
    spaces.value = null
    choose('personal')
  }

  return { spaces, current, enterprise, load, choose, landAfterLogin, clear }
})

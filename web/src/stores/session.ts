import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { accounts } from '@/api/accounts'
import type { User } from '@/api/types'

/** The signed-in user, mirrored from `GET /api/v1/session`. */
export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null)
  const mustSetPassword = ref(false)
  const loaded = ref(false)
  const loadError = ref<unknown>(null)
  /** Bumped on every avatar change so `<img>` reloads it. */
  const avatarVersion = ref(Date.now())

  const signedIn = computed(() => user.value !== null)

  let loading: Promise<void> | null = null

  /** Reads the session again (new CSRF token, current user). */
  async function refresh(): Promise<void> {
    try {
      const info = await accounts.session()
      user.value = info.user
      mustSetPassword.value = info.user !== null && info.must_set_password
      loadError.value = null
    } catch (err) {
      loadError.value = err
      throw err
    } finally {
      loaded.value = true
    }
  }

  /** The first load, shared by every caller (router guard, App). Never rejects. */
  function ensureLoaded(): Promise<void> {
    if (loaded.value) return Promise.resolve()
    if (!loading) {
      loading = refresh()
        .catch(() => undefined)
        .finally(() => {
          loading = null
        })
    }
    return loading
  }

  function setUser(next: User): void {
    user.value = next
  }

  function bumpAvatar(): void {
    avatarVersion.value = Date.now()
  }

  async function logout(): Promise<void> {
    try {
      await accounts.logout()
    } finally {
      user.value = null
      mustSetPassword.value = false
      await refresh().catch(() => undefined)
    }
  }

  return {
    user,
    mustSetPassword,
    loaded,
    loadError,
    avatarVersion,
    signedIn,
    refresh,
    ensureLoaded,
    setUser,
    bumpAvatar,
    logout,
  }
})

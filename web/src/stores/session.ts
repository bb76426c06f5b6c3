import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { accounts } from '@/api/accounts'
import { staff } from '@/api/desk'
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
  /** CA staff roles of the signed-in user (`GET /api/v1/staff/roles`); empty for applicants. */
  const roles = ref<string[]>([])
  /** The user id `roles` were read for. */
  let rolesFor: string | null = null
  let rolesLoading: Promise<void> | null = null
  const isStaff = computed(() => roles.value.length > 0)

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

  /** Reads the staff roles once per signed-in user. Never rejects. */
  function ensureRoles(): Promise<void> {
    const id = user.value?.id ?? null
    if (id === null) {
      roles.value = []
      rolesFor = null
      return Promise.resolve()
    }
    if (rolesFor === id) return Promise.resolve()
    if (!rolesLoading) {
      roles.value = []
      rolesLoading = staff
        .roles()
        .then((r) => {
          roles.value = r.roles
          rolesFor = id
        })
        .catch(() => {
          roles.value = []
        })
        .finally(() => {
          rolesLoading = null
        })
    }
    return rolesLoading
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
      roles.value = []
      rolesFor = null
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
    roles,
    isStaff,
    refresh,
    ensureRoles,
    ensureLoaded,
    setUser,
    bumpAvatar,
    logout,
  }
})
